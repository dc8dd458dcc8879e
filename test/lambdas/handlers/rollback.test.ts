import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/rollback';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  allTrafficTo,
  awsError,
  BLUE_TG,
  causeOf,
  cutoverState,
  EXECUTION_ARN,
  LEASE_KEY,
  LISTENER_ARN,
  quietLogs,
  RECORD_KEY,
  stepEvent,
  useConfig,
} from './support';
import {
  expectEventPut,
  expectLeaseReleased,
  expectRecordUpdatedWith,
  expectRollbackFailedCounted,
  fakeClockEachTest,
  leaseLost,
  metricsEachTest,
  mockAws,
  restoreGoesThrough,
  routerOn,
  targetsOf,
} from './support-mocks';

const NOW = new Date('2026-11-27T12:25:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const ALARM_REASON = 'alarm "orders-api-5xx" went to ALARM during the bake';

const { ddb, elb, cloudWatch, events } = mockAws('ddb', 'elb', 'cloudWatch', 'events');
const metrics = metricsEachTest();
useConfig();

/** A cutover from blue to green whose bake saw the alarm fire. */
function alarmedCutover(restoredAt?: string): WorkflowState {
  return cutoverState({
    switched: { at: '2026-11-27T12:20:00.000Z', drainSeconds: 300 },
    watch: {
      phase: 'bake',
      until: '2026-11-27T12:30:00.000Z',
      verdict: 'rollback',
      reason: ALARM_REASON,
      alarm: 'orders-api-5xx',
      ...(restoredAt ? { restoredAt } : {}),
    },
  });
}

describe('rollback handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    quietLogs();
    restoreGoesThrough({ ddb, elb, cloudWatch, events });
  });

  it('puts all traffic back on the previous side and ends in RolledBack', async () => {
    // Prepare
    routerOn(elb, 'green');

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome)).toEqual({
      message: `${ALARM_REASON}; traffic is back on blue`,
      alarm: 'orders-api-5xx',
      live: 'blue',
      previous: 'green',
      version: 'v2',
    });
    expect(metrics()).toEqual([]);
  });

  it('writes the listener only while it holds the lease, then marks the release rolled back and frees the lease', async () => {
    // Prepare
    routerOn(elb, 'green');

    // Act
    await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: LEASE_KEY,
      ConditionExpression: '#owner = :me AND expiresAt > :now',
      ExpressionAttributeValues: { ':me': EXECUTION_ARN, ':now': NOW_SECONDS, ':phase': 'rolling-back' },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: {
        ':outcome': 'rolled-back',
        ':rolledBackAt': NOW.toISOString(),
        ':finishedAt': NOW.toISOString(),
        ':reason': ALARM_REASON,
      },
    });
    expectLeaseReleased(ddb);
    expectEventPut(events, 'Release Rolled Back');
  });

  it('does not write again when traffic is already back (the bake restored it, or a retry)', async () => {
    // Prepare
    routerOn(elb, 'blue');
    const restoredAt = '2026-11-27T12:24:59.000Z';

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover(restoredAt)));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RolledBack');
    expectRecordUpdatedWith(ddb, { ':outcome': 'rolled-back', ':rolledBackAt': restoredAt });
  });

  it('says which step failed when a failure after the switch caused the rollback', async () => {
    // Prepare
    routerOn(elb, 'green');
    const state = cutoverState({
      switched: { at: '2026-11-27T12:20:00.000Z', drainSeconds: 300 },
      failure: { Error: 'States.Timeout', Cause: 'Task timed out after 90.00 seconds' },
      failedStep: 'Drain',
    });

    // Act
    const { outcome } = await handler(stepEvent(state));

    // Assess
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome).message).toBe(
      'step Drain failed after the switch: States.Timeout: Task timed out after 90.00 seconds; traffic is back on blue',
    );
  });

  it('refuses to send traffic to an unhealthy previous side: RollbackFailed telling the operator what to do', async () => {
    // Prepare
    routerOn(elb, 'green');
    targetsOf(elb, BLUE_TG, 'healthy', 'unhealthy');

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RollbackFailed');
    const cause = causeOf(outcome);
    expect(cause).toMatchObject({ alarm: 'orders-api-5xx', live: 'green', previous: 'blue', version: 'v2' });
    expect(cause.message).toContain('blue is not fully healthy');
    expect(cause.message).toContain('i-02:8080 unhealthy');
    expect(cause.message).toContain(`An operator must check the listener ${LISTENER_ARN}, make blue healthy`);
    expectRollbackFailedCounted(metrics());
    expectRecordUpdatedWith(ddb, { ':outcome': 'rollback-failed', ':error': 'RollbackFailed' });
    expectEventPut(events, 'Rollback Failed');
  });

  it('leaves the listener alone once the lease is lost: RollbackFailed, counted, lease not touched', async () => {
    // Prepare
    routerOn(elb, 'green');
    leaseLost(ddb);

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RollbackFailed');
    expect(causeOf(outcome).message).toContain('no longer holds the lease');
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expectRollbackFailedCounted(metrics());
  });

  it('turns a listener write that AWS refuses into RollbackFailed: counted, recorded, lease freed', async () => {
    // Prepare
    routerOn(elb, 'green');
    elb
      .on(ModifyListenerCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: ModifyListener', 403));

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(outcome.error).toBe('RollbackFailed');
    const cause = causeOf(outcome);
    expect(cause).toMatchObject({ alarm: 'orders-api-5xx', live: 'green', previous: 'blue', version: 'v2' });
    expect(cause.message).toContain(
      'the listener could not be read or written (AccessDenied: User is not authorized to perform: ModifyListener)',
    );
    expect(cause.message).toContain(`An operator must check the listener ${LISTENER_ARN}`);
    expectRollbackFailedCounted(metrics());
    expectRecordUpdatedWith(ddb, { ':outcome': 'rollback-failed', ':error': 'RollbackFailed' });
    expectLeaseReleased(ddb);
    expectEventPut(events, 'Rollback Failed');
  });

  it('succeeds on a retry after an earlier attempt restored traffic and gave the lease up', async () => {
    // Prepare: the first attempt wrote the listener and released the lease, then its answer was lost
    routerOn(elb, 'blue');
    leaseLost(ddb);

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome)).toMatchObject({ live: 'blue', previous: 'green' });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(metrics()).toEqual([]);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expectRecordUpdatedWith(ddb, { ':outcome': 'rolled-back' });
  });
});
