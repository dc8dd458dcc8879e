import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { POLL_BUDGET_MS } from '../../../lambdas/shared/runtime';
import type { WorkflowState } from '../../../lambdas/shared/state';
import { handler } from '../../../lambdas/watch';
import {
  BLUE_TG,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  LISTENER_ARN,
  leaseItem,
  listenerWith,
  onFakeClock,
  stepEvent,
  targetHealth,
  useConfig,
  weightedForward,
} from './support';

// bakeSeconds 60 (longer than one invocation's budget), alarms: orders-api-5xx.
const config = useConfig();
const ALARM = config.alarms[0]!;

const cw = mockClient(CloudWatchClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const doc = mockClient(DynamoDBDocumentClient);

const NOW = Date.parse('2026-11-27T12:10:00.000Z');
const CONSOLE_ROLLBACK = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:rollback-1';
const OTHER_EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-2';

const iso = (ms: number) => new Date(ms).toISOString();

/** Blue -> green switched `secondsAgo` ago; blue's requests may take up to `drainSeconds`. */
function switchedState(
  secondsAgo: number,
  drainSeconds = 30,
  extra: Partial<WorkflowState> = {},
): WorkflowState {
  return cutoverState({ switched: { at: iso(NOW - secondsAgo * 1000), drainSeconds }, ...extra });
}

function bake(state: WorkflowState) {
  return handler({ ...stepEvent(state), phase: 'bake' });
}

function drain(state: WorkflowState) {
  return handler({ ...stepEvent(state), phase: 'drain' });
}

/** The state Drain receives: the bake ended without trouble. */
function baked(drainSeconds = 30): WorkflowState {
  return switchedState(60, drainSeconds, {
    watch: { phase: 'bake', until: iso(NOW), verdict: 'done' },
  });
}

function alarmState(state: MetricAlarm['StateValue'], reason?: string): { MetricAlarms: MetricAlarm[] } {
  return {
    MetricAlarms: [
      {
        AlarmName: ALARM,
        StateValue: state,
        Period: 1,
        EvaluationPeriods: 5,
        ...(reason ? { StateReason: reason } : {}),
      },
    ],
  };
}

const BACK_ON_BLUE = {
  ListenerArn: LISTENER_ARN,
  DefaultActions: [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE_TG, Weight: 100 },
          { TargetGroupArn: GREEN_TG, Weight: 0 },
        ],
      },
    },
  ],
};

const ROLLING_BACK_FENCE = {
  Key: { pk: 'service#orders-api', sk: 'lease' },
  ConditionExpression: '#owner = :me AND expiresAt > :now',
  ExpressionAttributeValues: expect.objectContaining({ ':me': EXECUTION_ARN, ':phase': 'rolling-back' }),
};

beforeEach(() => {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  cw.reset();
  elb.reset();
  doc.reset();
  cw.on(DescribeAlarmsCommand).resolves(alarmState('OK'));
  elb.on(DescribeTargetHealthCommand).resolves(targetHealth('healthy', 'healthy'));
  // After the switch the listener sends everything to green.
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(weightedForward(0, 100))] });
  elb.on(ModifyListenerCommand).resolves({});
  doc.on(GetCommand).resolves({ Item: leaseItem({ phase: 'baking', previous: 'blue', target: 'green' }) });
  doc.on(UpdateCommand).resolves({});
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('Bake', () => {
  it('rolls back when an alarm goes to ALARM, writing the previous weights back at once', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand)
      .resolvesOnce(alarmState('OK'))
      .resolvesOnce(alarmState('OK'))
      .resolves(alarmState('ALARM', 'Threshold Crossed: 5 datapoints > 10'));

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toEqual({
      phase: 'bake',
      until: iso(NOW + 60_000),
      verdict: 'rollback',
      reason: `alarm "${ALARM}" went to ALARM during the bake: Threshold Crossed: 5 datapoints > 10`,
      alarm: ALARM,
      restoredAt: iso(NOW + 2_000),
    });
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, BACK_ON_BLUE);
    expect(cw).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 3);
  });

  it('takes the lease for the rollback before it writes the listener', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));

    // Act
    await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, ROLLING_BACK_FENCE);
    const fence = doc.commandCalls(UpdateCommand)[0]!;
    expect(fence.calledBefore(elb.commandCalls(ModifyListenerCommand)[0]!)).toBe(true);
  });

  it.each([
    [
      'a target fails its health checks',
      ['healthy', 'unhealthy'] as const,
      'green went unhealthy: i-02 unhealthy (Target.ResponseCodeMismatch)',
    ],
    ['no healthy target is left', ['draining', 'initial'] as const, 'green has no healthy target left'],
  ])('rolls back when %s on the new side', async (_case, states, reason) => {
    // Prepare
    elb.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves(targetHealth(...states));
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG })
      .resolves(targetHealth('healthy', 'healthy'));

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({
      verdict: 'rollback',
      reason: `${reason} during the bake`,
      restoredAt: iso(NOW),
    });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, BACK_ON_BLUE);
  });

  it('takes targets that are starting or draining for ordinary scaling, not for trouble', async () => {
    // Prepare
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
      .resolves(targetHealth('healthy', 'initial', 'draining'));

    // Act
    const state = await onFakeClock(bake(switchedState(50)));

    // Assess
    expect(state.watch?.verdict).toBe('done');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('rolls back when a rollback was requested on the lease', async () => {
    // Prepare
    doc
      .on(GetCommand)
      .resolvesOnce({ Item: leaseItem({ phase: 'baking' }) })
      .resolves({
        Item: leaseItem({
          phase: 'baking',
          rollbackRequest: { by: CONSOLE_ROLLBACK, reason: 'p99 latency after release', at: iso(NOW + 500) },
        }),
      });

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({
      verdict: 'rollback',
      reason: `rollback requested by ${CONSOLE_ROLLBACK}: p99 latency after release`,
      requestedBy: CONSOLE_ROLLBACK,
      restoredAt: iso(NOW + 1_000),
    });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, BACK_ON_BLUE);
  });

  it('never sends traffic back to a previous side that is not healthy; the verdict stands', async () => {
    // Prepare
    cw.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG })
      .resolves(targetHealth('unhealthy', 'healthy'));

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({ verdict: 'rollback', alarm: ALARM });
    expect(state.watch?.restoredAt).toBeUndefined();
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('leaves the listener alone when another execution took the lease', async () => {
    // Prepare
    doc.on(GetCommand).resolves({ Item: leaseItem({ owner: OTHER_EXECUTION, phase: 'acquired' }) });
    doc.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({
      verdict: 'rollback',
      reason: `this execution lost its lease to ${OTHER_EXECUTION} during the bake`,
    });
    expect(state.watch?.restoredAt).toBeUndefined();
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('is done when the bake ends with everything quiet, and writes nothing', async () => {
    // Prepare: switched 30 s ago, so 30 s of the 60 s bake are left
    const before = switchedState(30);

    // Act
    const state = await onFakeClock(bake(before));

    // Assess
    expect(state.watch).toEqual({ phase: 'bake', until: iso(NOW + 30_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW + 30_000);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(doc).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('hands back "continue" when its budget ends before the bake; the next one finishes it', async () => {
    // Act
    const first = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(first.watch).toEqual({ phase: 'bake', until: iso(NOW + 60_000), verdict: 'continue' });
    expect(Date.now() - NOW).toBe(POLL_BUDGET_MS);

    // Act
    const second = await onFakeClock(bake(first));

    // Assess
    expect(second.watch).toEqual({ phase: 'bake', until: iso(NOW + 60_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW + 60_000);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });
});

describe('Drain', () => {
  it('waits until the deregistration delay after the switch has passed, watching no alarm', async () => {
    // Prepare: switched 60 s ago, requests may take 90 s; an alarm firing now no longer concerns the release
    cw.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));

    // Act
    const state = await onFakeClock(drain(baked(90)));

    // Assess
    expect(state.watch).toEqual({ phase: 'drain', until: iso(NOW + 30_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW + 30_000);
    expect(cw).not.toHaveReceivedCommand(DescribeAlarmsCommand);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('has nothing left to drain when the bake outlasted the delay', async () => {
    // Act: switched 60 s ago, requests take at most 30 s
    const state = await onFakeClock(drain(baked(30)));

    // Assess
    expect(state.watch).toEqual({ phase: 'drain', until: iso(NOW - 30_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW);
  });

  it('keeps its end across invocations when the delay is longer than one invocation', async () => {
    // Act
    const first = await onFakeClock(drain(baked(180)));
    const second = await onFakeClock(drain(first));
    const third = await onFakeClock(drain(second));

    // Assess
    expect(first.watch).toMatchObject({ verdict: 'continue', until: iso(NOW + 120_000) });
    expect(second.watch).toMatchObject({ verdict: 'continue', until: iso(NOW + 120_000) });
    expect(third.watch).toEqual({ phase: 'drain', until: iso(NOW + 120_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW + 120_000);
  });

  it('rolls back when a rollback was requested during the drain', async () => {
    // Prepare
    doc
      .on(GetCommand)
      .resolvesOnce({ Item: leaseItem({ phase: 'baking' }) })
      .resolvesOnce({ Item: leaseItem({ phase: 'baking' }) })
      .resolves({
        Item: leaseItem({ phase: 'baking', rollbackRequest: { by: CONSOLE_ROLLBACK, at: iso(NOW + 1_500) } }),
      });

    // Act
    const state = await onFakeClock(drain(baked(90)));

    // Assess
    expect(state.watch).toEqual({
      phase: 'drain',
      until: iso(NOW + 30_000),
      verdict: 'rollback',
      reason: `rollback requested by ${CONSOLE_ROLLBACK}`,
      requestedBy: CONSOLE_ROLLBACK,
      restoredAt: iso(NOW + 2_000),
    });
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, ROLLING_BACK_FENCE);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, BACK_ON_BLUE);
  });
});
