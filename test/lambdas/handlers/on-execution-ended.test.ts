import { DescribeListenersCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler, LATE_ACQUIRE_MS } from '../../../lambdas/on-execution-ended';
import { STEP_TIMEOUT_SECONDS } from '../../../lib/step-handlers';
import {
  allTrafficTo,
  awsError,
  BLUE_TG,
  conditionFailed,
  EXECUTION_ARN,
  LEASE_KEY,
  leaseItem,
  OTHER_EXECUTION,
  quietLogs,
  RECORD_KEY,
  ROLES,
  useConfig,
} from './support';
import {
  expectEventPut,
  expectLeaseReleased,
  expectRecordUpdatedWith,
  expectRollbackFailedCounted,
  fakeClockEachTest,
  metricsEachTest,
  mockAws,
  restoreGoesThrough,
  routerOn,
  targetsOf,
} from './support-mocks';

const NOW = new Date('2026-11-27T12:40:00.000Z');

const { ddb, elb, cloudWatch, events } = mockAws('ddb', 'elb', 'cloudWatch', 'events');
const metrics = metricsEachTest();
useConfig();

/** The EventBridge event of the state machine's status change, as the rule delivers it. */
function statusChange(status: 'ABORTED' | 'TIMED_OUT', executionArn = EXECUTION_ARN) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: NOW.toISOString(),
    region: 'us-east-1',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:bluegreen-orders-api',
      name: 'release-1',
      status,
      startDate: 1_795_780_800_000,
      stopDate: 1_795_782_000_000,
      input: '{"action":"cutover","version":"v2"}',
      output: null,
    },
  };
}

/** The lease of a cutover from blue to green that got as far as `phase`. */
function leaseIn(phase: 'acquired' | 'switching' | 'baking' | 'draining' | 'rolling-back'): void {
  const switched = phase === 'acquired' ? {} : { previous: 'blue' as const, target: 'green' as const };
  ddb
    .on(GetCommand, { Key: LEASE_KEY })
    .resolves({ Item: leaseItem({ phase, releaseKey: ROLES.releaseKey, ...switched }) });
}

describe('on-execution-ended handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    quietLogs();
    restoreGoesThrough({ ddb, elb, cloudWatch, events });
  });

  it.each([
    ['ABORTED', 'execution was stopped'],
    ['TIMED_OUT', 'execution timed out'],
  ] as const)(
    'rolls back an execution that ended %s after its switch and frees its lease',
    async (status, reason) => {
      // Prepare
      leaseIn('baking');
      routerOn(elb, 'green');

      // Act
      const result = await handler(statusChange(status));

      // Assess
      expect(result).toEqual({ action: 'restored blue' });
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        Key: RECORD_KEY,
        ExpressionAttributeValues: {
          ':outcome': 'rolled-back',
          ':rolledBackAt': NOW.toISOString(),
          ':finishedAt': NOW.toISOString(),
          ':reason': reason,
        },
      });
      expectLeaseReleased(ddb, { ConditionExpression: '#owner = :me' });
      expectEventPut(events, 'Release Rolled Back');
      expect(metrics()).toEqual([]);
    },
  );

  it('writes nothing when the execution stopped between its fence and its write: traffic never left blue', async () => {
    // Prepare
    leaseIn('switching');
    routerOn(elb, 'blue');

    // Act
    await handler(statusChange('ABORTED'));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expectRecordUpdatedWith(ddb, { ':outcome': 'rolled-back' });
    expect(ddb).toHaveReceivedCommand(DeleteCommand);
  });

  it('waits out a switch still in flight before reading the router, holding the lease meanwhile', async () => {
    // Prepare: stopped 5 s ago between its fence and its write; the write lands 10 s after the stop
    leaseIn('switching');
    routerOn(elb, 'blue');
    const stopped = statusChange('ABORTED');
    const event = { ...stopped, detail: { ...stopped.detail, stopDate: NOW.getTime() - 5_000 } };

    // Act
    const running = handler(event);
    await jest.advanceTimersByTimeAsync(5_000);
    routerOn(elb, 'green');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(elb).not.toHaveReceivedCommand(DescribeListenersCommand);
    await jest.advanceTimersByTimeAsync(15_000);
    const result = await running;

    // Assess: the lease was taken over first, then the late write was undone
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, UpdateCommand, {
      Key: LEASE_KEY,
      ConditionExpression: '#owner = :me',
      ExpressionAttributeValues: { ':me': EXECUTION_ARN, ':holder': `${EXECUTION_ARN}#cleanup` },
    });
    expect(result).toEqual({ action: 'restored blue' });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: LEASE_KEY,
      ExpressionAttributeValues: { ':me': `${EXECUTION_ARN}#cleanup` },
    });
  });

  it('leaves everything alone when the lease changed hands before it could take it over', async () => {
    // Prepare
    leaseIn('switching');
    ddb.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionFailed());

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result).toEqual({ action: 'none: the lease changed hands' });
    expect(elb).not.toHaveReceivedAnyCommand();
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('only frees the lease and closes the record of an execution that never switched', async () => {
    // Prepare
    leaseIn('acquired');

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result).toEqual({ action: 'released the lease' });
    expect(elb).not.toHaveReceivedAnyCommand();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: {
        ':outcome': 'failed',
        ':finishedAt': NOW.toISOString(),
        ':reason': 'execution was stopped',
      },
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
  });

  it('frees a lease that an AcquireLease in flight at the stop took after it', async () => {
    // Prepare: no lease when the rule looks first; the invocation the stop did not end takes it a second later.
    ddb
      .on(GetCommand, { Key: LEASE_KEY })
      .resolvesOnce({})
      .resolves({ Item: leaseItem({ phase: 'acquired' }) });
    const event = statusChange('ABORTED');

    // Act
    const pending = handler({ ...event, detail: { ...event.detail, stopDate: NOW.getTime() } });
    await jest.advanceTimersByTimeAsync(1000);
    const result = await pending;

    // Assess
    expect(result).toEqual({ action: 'released the lease' });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
  });

  it('waits for a late lease only as long as AcquireLease can run', () => {
    expect(LATE_ACQUIRE_MS).toBeGreaterThan(STEP_TIMEOUT_SECONDS['acquire-lease'] * 1000);
    expect(LATE_ACQUIRE_MS).toBeLessThan(STEP_TIMEOUT_SECONDS['on-execution-ended'] * 1000);
  });

  it.each([
    [
      'is held by another execution',
      { Item: leaseItem({ owner: OTHER_EXECUTION, phase: 'baking', previous: 'blue' }) },
    ],
    ['is free', {}],
  ])('does nothing when the lease %s', async (_case, answer) => {
    // Prepare
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves(answer);

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result.action).toMatch(/^none/);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(elb).not.toHaveReceivedAnyCommand();
  });

  it('counts a restore it could not make in the RollbackFailed metric and closes the record as rollback-failed', async () => {
    // Prepare
    leaseIn('baking');
    routerOn(elb, 'green');
    targetsOf(elb, BLUE_TG, 'unhealthy');

    // Act
    const result = await handler(statusChange('TIMED_OUT'));

    // Assess
    expect(result.action).toContain('blue is not fully healthy');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expectRollbackFailedCounted(metrics());
    expectRecordUpdatedWith(ddb, { ':outcome': 'rollback-failed' });
    expectEventPut(events, 'Rollback Failed');
  });

  it('reports a restoring write that AWS refuses instead of crashing: counted, recorded, lease freed', async () => {
    // Prepare
    leaseIn('baking');
    routerOn(elb, 'green');
    elb
      .on(ModifyListenerCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: ModifyListener', 403));

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result.action).toContain('could not restore');
    expect(result.action).toContain('AccessDenied');
    expectRollbackFailedCounted(metrics());
    expectRecordUpdatedWith(ddb, { ':outcome': 'rollback-failed' });
    expectLeaseReleased(ddb);
    expectEventPut(events, 'Rollback Failed');
  });
});
