import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/abort';
import { AlarmFiring, DeployFailed, InvalidInput, RollbackFailed } from '../../../lambdas/shared/contract';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  CUTOVER_ARN,
  causeOf,
  cutoverState,
  EXECUTION_ARN,
  quietLogs,
  RECORD_KEY,
  rollbackState,
  taskFailure,
  useConfig,
} from './support';
import {
  busAcceptsEvents,
  expectEventPut,
  expectLeaseReleased,
  fakeClockEachTest,
  mockAws,
  routerOn,
  tableAcceptsWrites,
} from './support-mocks';

const NOW = new Date('2026-11-27T12:10:00.000Z');

const { ddb, elb, events } = mockAws('ddb', 'elb', 'events');
useConfig();

type Failure = { Error?: string; Cause?: string };

/** What the state machine sends Abort after `failedStep` failed with `failure`. */
function abortEvent(state: Partial<WorkflowState>, failure: Failure, failedStep: string) {
  return { state: { ...state, failure, failedStep }, execution: { arn: EXECUTION_ARN } };
}

describe('abort handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    quietLogs();
    tableAcceptsWrites(ddb);
    routerOn(elb, 'blue');
    busAcceptsEvents(events);
  });

  it('keeps the error name and message, releases the lease and marks the release failed', async () => {
    // Prepare
    const failure = taskFailure(new DeployFailed('deploy of "v2" to green failed: image v2 not found'));

    // Act
    const { outcome } = await handler(abortEvent(cutoverState(), failure, 'Deploy'));

    // Assess
    expect(outcome.error).toBe('DeployFailed');
    expect(causeOf(outcome)).toEqual({
      message: 'deploy of "v2" to green failed: image v2 not found',
      live: 'blue',
      version: 'v2',
    });
    expectLeaseReleased(ddb, { ConditionExpression: '#owner = :me' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: {
        ':outcome': 'failed',
        ':finishedAt': NOW.toISOString(),
        ':error': 'DeployFailed',
      },
    });
    expectEventPut(events, 'Release Failed');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('releases by owner a lease that AcquireLease took before it failed (the state has no lease yet)', async () => {
    // Prepare: AcquireLease's write landed, then the step failed, so its output never reached the state
    const { lease: _lease, roles: _roles, ...requested } = cutoverState();
    const failure = taskFailure(new Error('Task timed out after 20.02 seconds'));

    // Act
    const { outcome } = await handler(abortEvent(requested, failure, 'AcquireLease'));

    // Assess
    expect(outcome.error).toBe('CutoverFailed');
    expectLeaseReleased(ddb, { ConditionExpression: '#owner = :me' });
  });

  it('keeps the alarm of an alarm error in the cause', async () => {
    // Prepare
    const failure = taskFailure(
      new AlarmFiring('alarm "orders-api-5xx" is in ALARM before the switch', 'orders-api-5xx'),
    );

    // Act
    const { outcome } = await handler(abortEvent(cutoverState(), failure, 'Gate'));

    // Assess
    expect(outcome.error).toBe('AlarmFiring');
    expect(causeOf(outcome)).toMatchObject({ alarm: 'orders-api-5xx', live: 'blue' });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('reports a refused input with its field and the live side read from the listener', async () => {
    // Prepare: a failed Validate replaces the state with the failure alone
    const failure = taskFailure(new InvalidInput('"version" is required', 'version'));

    // Act
    const { outcome } = await handler(abortEvent({}, failure, 'Validate'));

    // Assess
    expect(outcome.error).toBe('InvalidInput');
    expect(causeOf(outcome)).toEqual({ message: '"version" is required', field: 'version', live: 'blue' });
    expect(ddb).not.toHaveReceivedAnyCommand();
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('keeps a contract error name when its cause is not JSON', async () => {
    // Act
    const { outcome } = await handler(
      abortEvent(
        cutoverState(),
        { Error: 'IdleNotHealthy', Cause: 'green: 1 of 2 targets healthy' },
        'WaitHealthy',
      ),
    );

    // Assess
    expect(outcome.error).toBe('IdleNotHealthy');
    expect(causeOf(outcome)).toMatchObject({
      message: 'IdleNotHealthy: green: 1 of 2 targets healthy',
      live: 'blue',
    });
  });

  it.each([
    [
      'a step timeout',
      { Error: 'States.Timeout', Cause: 'Task timed out after 90.00 seconds' },
      'States.Timeout: Task timed out after 90.00 seconds',
    ],
    ['a crash', taskFailure(new TypeError('x is undefined')), 'TypeError: x is undefined'],
  ])('turns %s into CutoverFailed naming the step', async (_case, failure, described) => {
    // Act
    const { outcome } = await handler(abortEvent(cutoverState(), failure, 'Attach'));

    // Assess
    expect(outcome.error).toBe('CutoverFailed');
    expect(causeOf(outcome)).toMatchObject({ message: `step Attach failed: ${described}`, live: 'blue' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':error': 'CutoverFailed' }),
    });
  });

  it('leaves the lease of a joined cutover alone when the joined rollback fails', async () => {
    // Prepare
    const { roles: _roles, ...rollback } = rollbackState({
      lease: { owner: CUTOVER_ARN, expiresAt: 1_900_000_000, joined: { executionArn: CUTOVER_ARN } },
    });
    const failure = taskFailure(new RollbackFailed(`cutover ${CUTOVER_ARN} tried to roll back and failed`));

    // Act
    const { outcome } = await handler(abortEvent(rollback, failure, 'AwaitRollback'));

    // Assess
    expect(outcome.error).toBe('RollbackFailed');
    expect(causeOf(outcome)).toMatchObject({ live: 'blue' });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });
});
