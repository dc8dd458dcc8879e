import type { TrafficHookEvent } from '../../lambdas/shared/contract';
import { trafficHookArn } from '../../local';
import { isAllowed } from '../../local/iam/permissions';
import { callsOf, functionOf } from './iam-checks';
import { failure, output, useOfflineEnvironment } from './support';

type Answer = { status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED'; message?: string };
type Weights = { blue: number | null; green: number | null };

const SERVICE = 'hooked-traffic';
const BEFORE = trafficHookArn(SERVICE, 'beforeTraffic');
const AFTER = trafficHookArn(SERVICE, 'afterTraffic');

const calls: TrafficHookEvent[] = [];
/** The router's weights as each hook call found them. */
const weightsAtCall: Weights[] = [];
/** What each hook does on a call; each test sets them. */
let before: (event: TrafficHookEvent) => Answer = () => ({ status: 'SUCCEEDED' });
let after: (event: TrafficHookEvent) => Answer = () => ({ status: 'SUCCEEDED' });

const env = useOfflineEnvironment({
  service: SERVICE,
  bakeSeconds: 2,
  healthTimeoutSeconds: 6,
  initialMs: 500,
  hooks: {
    beforeTraffic: async (event) => {
      calls.push(event);
      weightsAtCall.push(await env.weights());
      return before(event);
    },
    afterTraffic: async (event) => {
      calls.push(event);
      weightsAtCall.push(await env.weights());
      return after(event);
    },
  },
});

async function liveSide(): Promise<'blue' | 'green'> {
  return (await env.weights()).blue === 100 ? 'blue' : 'green';
}
const other = (color: 'blue' | 'green') => (color === 'blue' ? 'green' : 'blue');
const phases = () => calls.map((c) => `${c.phase}#${c.attempt}`);

beforeEach(() => {
  calls.length = 0;
  weightsAtCall.length = 0;
  before = () => ({ status: 'SUCCEEDED' });
  after = () => ({ status: 'SUCCEEDED' });
});

describe('workflow: lifecycle hooks (alb-listener)', () => {
  it('calls beforeTraffic again while IN_PROGRESS with traffic unmoved, then switches and calls afterTraffic', async () => {
    before = (event) =>
      event.attempt < 3
        ? { status: 'IN_PROGRESS', message: `smoke ${event.attempt}/3` }
        : { status: 'SUCCEEDED' };

    const { execution, outcome } = await env.run({ action: 'cutover', version: 'v2' });

    expect(output(outcome)).toMatchObject({
      action: 'cutover',
      live: 'green',
      previous: 'blue',
      version: 'v2',
    });
    expect(phases()).toEqual(['beforeTraffic#1', 'beforeTraffic#2', 'beforeTraffic#3', 'afterTraffic#1']);
    expect(calls[0]).toEqual({
      service: SERVICE,
      phase: 'beforeTraffic',
      color: 'green',
      version: 'v2',
      executionId: execution.executionArn,
      attempt: 1,
    });
    expect(calls[3]).toMatchObject({
      phase: 'afterTraffic',
      color: 'green',
      executionId: execution.executionArn,
    });
    // No production traffic moved while beforeTraffic ran; afterTraffic ran with traffic on the new side.
    expect(weightsAtCall.slice(0, 3)).toEqual([
      { blue: 100, green: 0 },
      { blue: 100, green: 0 },
      { blue: 100, green: 0 },
    ]);
    expect(weightsAtCall[3]).toEqual({ blue: 0, green: 100 });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('calls no hook for a dry run (it changes nothing) nor for a rollback', async () => {
    const live = await liveSide();
    output((await env.run({ action: 'cutover', version: 'v9', dryRun: true })).outcome);
    expect(calls).toEqual([]);

    const rolled = output((await env.run({ action: 'rollback', reason: 'test' })).outcome);
    expect(rolled).toMatchObject({ action: 'rollback', live: other(live) });
    expect(calls).toEqual([]);
  });

  it('keeps baking while afterTraffic answers IN_PROGRESS past bakeSeconds, and succeeds once it succeeds', async () => {
    const live = await liveSide();
    let switchedAt = 0;
    after = (event) => {
      switchedAt ||= Date.now();
      return event.attempt < 4
        ? { status: 'IN_PROGRESS', message: 'checking orders' }
        : { status: 'SUCCEEDED' };
    };

    const { outcome } = await env.run({ action: 'cutover', version: 'v3' });
    const finished = Date.now();

    expect(output(outcome)).toMatchObject({ live: other(live), previous: live });
    expect(calls.filter((c) => c.phase === 'afterTraffic').map((c) => c.attempt)).toEqual([1, 2, 3, 4]);
    // Four calls a pollSecond apart take longer than the 2 s bake: the bake waited for the hook.
    expect(finished - switchedAt).toBeGreaterThanOrEqual(3000);
  });

  it('ends HookFailed with traffic untouched when beforeTraffic answers FAILED, naming the hook and its message', async () => {
    const live = await liveSide();
    before = () => ({ status: 'FAILED', message: 'checkout smoke test: 502 from /cart' });

    const { outcome } = await env.run({ action: 'cutover', version: 'v4' });

    const { error, cause } = failure(outcome);
    expect(error).toBe('HookFailed');
    expect(cause).toMatchObject({ field: 'hooks.beforeTraffic', live, version: 'v4' });
    expect(cause.message).toContain(BEFORE);
    expect(cause.message).toContain('checkout smoke test: 502 from /cart');
    expect(phases()).toEqual(['beforeTraffic#1']);
    expect((await env.weights())[live]).toBe(100);
  });

  it('ends HookFailed quoting the error when beforeTraffic throws', async () => {
    const live = await liveSide();
    before = () => {
      throw new Error('cannot reach the test listener');
    };

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v5' })).outcome);

    expect(error).toBe('HookFailed');
    expect(cause.message).toContain(BEFORE);
    expect(cause.message).toContain('cannot reach the test listener');
    expect((await env.weights())[live]).toBe(100);
  });

  it('ends HookFailed when beforeTraffic is still IN_PROGRESS after healthTimeoutSeconds', async () => {
    const live = await liveSide();
    before = () => ({ status: 'IN_PROGRESS', message: 'load test running' });

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v6' })).outcome);

    expect(error).toBe('HookFailed');
    expect(cause.message).toMatch(/still in progress after 6 s \(healthTimeoutSeconds\): load test running/);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every((c) => c.phase === 'beforeTraffic')).toBe(true);
    expect((await env.weights())[live]).toBe(100);
  });

  it('rolls back (RolledBack) when afterTraffic answers FAILED, the cause naming the hook and its message', async () => {
    const live = await liveSide();
    after = () => ({ status: 'FAILED', message: 'synthetic order not confirmed' });

    const { outcome } = await env.run({ action: 'cutover', version: 'v7' });

    const { error, cause } = failure(outcome);
    expect(error).toBe('RolledBack');
    expect(cause.live).toBe(live);
    expect(cause.message).toContain(`afterTraffic hook ${AFTER}`);
    expect(cause.message).toContain('synthetic order not confirmed');
    expect(weightsAtCall.at(-1)?.[other(live)]).toBe(100);
    expect((await env.weights())[live]).toBe(100);
  });

  it('rolls back when afterTraffic throws', async () => {
    const live = await liveSide();
    after = () => {
      throw new Error('assertion failed: 2 orders lost');
    };

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v8' })).outcome);

    expect(error).toBe('RolledBack');
    expect(cause.message).toContain('assertion failed: 2 orders lost');
    expect((await env.weights())[live]).toBe(100);
  });

  it('lets only the step that calls each hook invoke it, and allows every call it made', () => {
    const caller = { BeforeTraffic: BEFORE, Watch: AFTER } as const;
    for (const fn of env.workflow.wf.functions) {
      for (const [step, arn] of Object.entries(caller)) {
        const own = fn.logicalId.startsWith(`Cutover${step}Function`);
        const allowed = isAllowed(fn.role.statements, {
          action: 'lambda:InvokeFunction',
          resource: arn,
          context: {},
        });
        expect({ fn: fn.logicalId, arn, allowed }).toEqual({ fn: fn.logicalId, arn, allowed: own });
      }
    }
    for (const [step, arn] of Object.entries(caller)) {
      const invoked = callsOf(env, functionOf(env, step)).filter((c) => c.operation === 'Invoke');
      expect(invoked.length).toBeGreaterThan(0);
      expect(new Set(invoked.map((c) => String(c.params.FunctionName)))).toEqual(new Set([arn]));
    }
  });
});
