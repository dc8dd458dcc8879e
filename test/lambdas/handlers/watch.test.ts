import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import type { WorkflowState } from '../../../lambdas/shared/state';
import { POLL_BUDGET_MS } from '../../../lambdas/shared/step';
import { handler } from '../../../lambdas/watch';
import {
  allTrafficTo,
  BLUE_TG,
  cutoverState,
  fenceOf,
  GREEN_TG,
  leaseItem,
  OTHER_EXECUTION,
  onFakeClock,
  quietLogs,
  stepEvent,
  useConfig,
} from './support';
import {
  expectFenceBeforeWrite,
  fakeClockEachTest,
  leaseIs,
  leaseLost,
  mockAws,
  routerOn,
  targetsOf,
  targetsOfEveryGroup,
} from './support-mocks';

// bakeSeconds 60 (longer than one invocation's budget), alarms: orders-api-5xx.
const config = useConfig();
const ALARM = config.alarms[0]!;

const { cloudWatch, elb, ddb } = mockAws('cloudWatch', 'elb', 'ddb');

const NOW = Date.parse('2026-11-27T12:10:00.000Z');
const CONSOLE_ROLLBACK = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:rollback-1';

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

fakeClockEachTest(NOW, { realQueues: true });
beforeEach(() => {
  quietLogs('log', 'warn');
  cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('OK'));
  targetsOfEveryGroup(elb, 'healthy', 'healthy');
  // After the switch the listener sends everything to green.
  routerOn(elb, 'green');
  elb.on(ModifyListenerCommand).resolves({});
  leaseIs(ddb, { phase: 'baking', previous: 'blue', target: 'green' });
  ddb.on(UpdateCommand).resolves({});
});

describe('Bake', () => {
  it('rolls back when an alarm goes to ALARM, writing the previous weights back at once', async () => {
    // Prepare
    cloudWatch
      .on(DescribeAlarmsCommand)
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
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
    expect(cloudWatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 3);
  });

  it('takes the lease for the rollback before it writes the listener', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));

    // Act
    await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('rolling-back'));
    expectFenceBeforeWrite(ddb, elb);
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
    targetsOf(elb, GREEN_TG, ...states);
    targetsOf(elb, BLUE_TG, 'healthy', 'healthy');

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({
      verdict: 'rollback',
      reason: `${reason} during the bake`,
      restoredAt: iso(NOW),
    });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
  });

  it('takes targets that are starting or draining for ordinary scaling, not for trouble', async () => {
    // Prepare
    targetsOf(elb, GREEN_TG, 'healthy', 'initial', 'draining');

    // Act
    const state = await onFakeClock(bake(switchedState(50)));

    // Assess
    expect(state.watch?.verdict).toBe('done');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('rolls back when a rollback was requested on the lease', async () => {
    // Prepare
    ddb
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
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
  });

  it('never sends traffic back to a previous side that is not healthy; the verdict stands', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));
    targetsOf(elb, BLUE_TG, 'unhealthy', 'healthy');

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({ verdict: 'rollback', alarm: ALARM });
    expect(state.watch?.restoredAt).toBeUndefined();
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('leaves the listener alone when another execution took the lease', async () => {
    // Prepare
    leaseIs(ddb, { owner: OTHER_EXECUTION, phase: 'acquired' });
    leaseLost(ddb);

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

  it('rolls back without writing when its lease is gone: a redrive after the stop cleanup released it', async () => {
    // Prepare: nothing holds the lease any more, and the fence for the rollback fails
    ddb.on(GetCommand).resolves({});
    leaseLost(ddb);

    // Act
    const state = await onFakeClock(bake(switchedState(0)));

    // Assess
    expect(state.watch).toMatchObject({
      verdict: 'rollback',
      reason: 'this execution no longer holds its lease (it was released) during the bake',
    });
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
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
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
    cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('ALARM'));

    // Act
    const state = await onFakeClock(drain(baked(90)));

    // Assess
    expect(state.watch).toEqual({ phase: 'drain', until: iso(NOW + 30_000), verdict: 'done' });
    expect(Date.now()).toBe(NOW + 30_000);
    expect(cloudWatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
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
    ddb
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
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('rolling-back'));
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
  });
});

describe('Bake with allowFiringAlarms', () => {
  const allowing = (extra: Partial<WorkflowState> = {}, secondsAgo = 0): WorkflowState => {
    const state = switchedState(secondsAgo, 30, {
      gate: { warnings: [], alarms: [{ name: ALARM, state: 'ALARM' }] },
      ...extra,
    });
    return {
      ...state,
      request: { ...state.request, allowFiringAlarms: [ALARM], reason: 'the fix' } as never,
    };
  };

  it('looks past an allowed alarm that stays in ALARM, and warns at the end of the bake', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('ALARM', 'the bug'));

    // Act
    const first = await onFakeClock(bake(allowing()));
    const second = await onFakeClock(bake(first));

    // Assess
    expect(first.watch).toMatchObject({ verdict: 'continue', returned: [] });
    expect(second.watch).toMatchObject({ verdict: 'done', returned: [] });
    expect(second.gate?.warnings).toEqual([
      expect.stringContaining(`"${ALARM}" was still in ALARM at the end`),
    ]);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('remembers across invocations that the alarm was OK: ALARM after that rolls back', async () => {
    // Prepare: OK once in the first invocation, ALARM for the rest of it and in the next one.
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce(alarmState('ALARM'))
      .resolvesOnce(alarmState('OK'))
      .resolves(alarmState('ALARM', 'back again'));
    const first = await onFakeClock(bake(allowing()));
    expect(first.watch).toMatchObject({ verdict: 'rollback', alarm: ALARM });

    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves(alarmState('ALARM', 'back again'));
    const carried = allowing({
      watch: { phase: 'bake', until: iso(NOW + 60_000), verdict: 'continue', returned: [ALARM] },
    });

    // Act
    const second = await onFakeClock(bake(carried));

    // Assess
    expect(second.watch).toMatchObject({
      verdict: 'rollback',
      alarm: ALARM,
      reason: `alarm "${ALARM}" went to ALARM again after it had returned to OK during the bake: back again`,
    });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('blue'));
  });
});
