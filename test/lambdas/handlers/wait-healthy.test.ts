import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { IdleNotHealthy } from '../../../lambdas/shared/contract';
import type { WorkflowState } from '../../../lambdas/shared/state';
import { POLL_BUDGET_MS } from '../../../lambdas/shared/step';
import { handler } from '../../../lambdas/wait-healthy';
import { cutoverState, GREEN_TG, onFakeClock, rejected, stepEvent, targetHealth, useConfig } from './support';
import { fakeClockEachTest, mockAws, targetsOfEveryGroup } from './support-mocks';

// pollSeconds 1, healthTimeoutSeconds 60: longer than one invocation's polling budget.
const config = useConfig();

const { elb } = mockAws('elb');

const NOW = Date.parse('2026-11-27T12:01:00.000Z');

/** The state of a later invocation: the wait began `seconds` ago. */
function waitingSince(seconds: number): WorkflowState {
  return cutoverState({
    health: {
      startedAt: new Date(NOW - seconds * 1000).toISOString(),
      healthy: false,
      summary: 'green: 0 of 2 targets healthy',
      healthyCount: 0,
      total: 2,
    },
  });
}

fakeClockEachTest(NOW, { realQueues: true });

describe('WaitHealthy', () => {
  it('is done at the first poll that finds every target healthy', async () => {
    // Prepare
    targetsOfEveryGroup(elb, 'healthy', 'healthy');

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    expect(state.health).toEqual({
      startedAt: new Date(NOW).toISOString(),
      healthy: true,
      summary: 'green: 2 of 2 targets healthy',
      healthyCount: 2,
      total: 2,
    });
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
  });

  it('keeps polling every pollSeconds while freshly referenced targets report initial', async () => {
    // Prepare
    elb
      .on(DescribeTargetHealthCommand)
      .resolvesOnce(targetHealth('initial', 'initial'))
      .resolvesOnce(targetHealth('healthy', 'initial'))
      .resolves(targetHealth('healthy', 'healthy'));

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    expect(state.health?.healthy).toBe(true);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 3);
    expect(Date.now() - NOW).toBe(2 * config.pollSeconds * 1000);
  });

  it.each([
    ['initial', 'i-02:8080 initial (Elb.InitialHealthChecking)'],
    ['unhealthy', 'i-02:8080 unhealthy (Target.ResponseCodeMismatch)'],
    ['unused', 'i-02:8080 unused (Target.NotInUse)'],
  ] as const)(
    'keeps polling a target that stays %s and hands back not healthy when its invocation budget ends',
    async (targetState, detail) => {
      // Prepare
      targetsOfEveryGroup(elb, 'healthy', targetState);

      // Act
      const state = await onFakeClock(handler(stepEvent(cutoverState())));

      // Assess
      expect(state.health).toEqual({
        startedAt: new Date(NOW).toISOString(),
        healthy: false,
        summary: `green: 1 of 2 targets healthy; ${detail}`,
        healthyCount: 1,
        total: 2,
      });
      expect(Date.now() - NOW).toBeLessThanOrEqual(POLL_BUDGET_MS);
      expect(elb.commandCalls(DescribeTargetHealthCommand).length).toBeGreaterThanOrEqual(
        POLL_BUDGET_MS / 1000 / config.pollSeconds,
      );
    },
  );

  it('never counts a group without registered targets as healthy', async () => {
    // Prepare
    targetsOfEveryGroup(elb);

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    expect(state.health).toMatchObject({
      healthy: false,
      total: 0,
      summary: 'green has no registered targets',
    });
  });

  it('keeps the time the wait began across invocations', async () => {
    // Prepare
    targetsOfEveryGroup(elb, 'healthy', 'healthy');
    const earlier = waitingSince(50);

    // Act
    const state = await onFakeClock(handler(stepEvent(earlier)));

    // Assess
    expect(state.health?.startedAt).toBe(earlier.health?.startedAt);
    expect(state.health?.healthy).toBe(true);
  });

  it('fails with IdleNotHealthy and the targets summary once healthTimeoutSeconds has passed', async () => {
    // Prepare: the second invocation of a wait that began 55 s ago
    targetsOfEveryGroup(elb, 'healthy', 'unhealthy');

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(waitingSince(55)))));

    // Assess
    expect(error).toBeInstanceOf(IdleNotHealthy);
    expect(error.name).toBe('IdleNotHealthy');
    expect(error.details.message).toBe(
      'green was not fully healthy within 60 s (healthTimeoutSeconds): green: 1 of 2 targets healthy; i-02:8080 unhealthy (Target.ResponseCodeMismatch)',
    );
    expect(Date.now() - NOW).toBeLessThanOrEqual(5_000);
    expect(elb.commandCalls(DescribeTargetHealthCommand).length).toBeGreaterThanOrEqual(4);
  });

  it('fails with IdleNotHealthy when no target was ever registered', async () => {
    // Prepare
    targetsOfEveryGroup(elb);

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(waitingSince(59)))));

    // Assess
    expect(error).toBeInstanceOf(IdleNotHealthy);
    expect(error.details.message).toContain('green has no registered targets');
  });
});

describe('WaitHealthy with pollSeconds longer than its invocation budget', () => {
  afterEach(() => {
    useConfig();
  });

  it('hands back not healthy at the end of its budget, not at once, so the state machine does not spin', async () => {
    // Prepare: the next poll (60 s away) would fall after the budget's end (50 s away)
    useConfig({ pollSeconds: 60, healthTimeoutSeconds: 600 });
    let state: WorkflowState | undefined;
    let polls = -1;

    // Act
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-elastic-load-balancing-v2');
      const isolated = mockClient(sdk.ElasticLoadBalancingV2Client);
      try {
        isolated.on(sdk.DescribeTargetHealthCommand).resolves(targetHealth('initial', 'initial'));
        const waitHealthy = await import('../../../lambdas/wait-healthy');
        state = await onFakeClock(waitHealthy.handler(stepEvent(cutoverState())));
        polls = isolated.commandCalls(sdk.DescribeTargetHealthCommand).length;
      } finally {
        isolated.restore();
      }
    });

    // Assess
    expect(state?.health).toMatchObject({ healthy: false, healthyCount: 0, total: 2 });
    expect(polls).toBe(1);
    expect(Date.now() - NOW).toBeGreaterThanOrEqual(POLL_BUDGET_MS);
  });
});
