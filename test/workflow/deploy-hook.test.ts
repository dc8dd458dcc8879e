import type { DeployHookEvent } from '../../lambdas/shared/contract';
import { deployHookArn } from '../../local/offline/environment';
import { failure, output, useOfflineEnvironment } from './support';

type Answer = { status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED'; message?: string };

const calls: DeployHookEvent[] = [];
/** What the deploy hook does on each call; each test sets it. */
let hook: (event: DeployHookEvent) => Answer = () => ({ status: 'SUCCEEDED' });

const env = useOfflineEnvironment({
  service: 'hooked-api',
  bakeSeconds: 2,
  healthTimeoutSeconds: 6,
  initialMs: 500,
  deployHook: (event) => {
    calls.push(event);
    return hook(event);
  },
});

beforeEach(() => {
  calls.length = 0;
});

describe('workflow: deploy through a lambda-hook', () => {
  it('calls the hook until it answers SUCCEEDED, with the same executionId, then releases', async () => {
    const idleTargets = env.fixture.greenTargetIds;
    hook = (event) => {
      // A deploy replaces the idle side's targets: they are unhealthy until it is done.
      for (const id of idleTargets) env.aws.setTargetHealth(event.targetGroupArn, id, 'unhealthy');
      if (event.attempt < 3) return { status: 'IN_PROGRESS', message: `rolling ${event.attempt}/3` };
      env.aws.clearTargetHealth(event.targetGroupArn);
      return { status: 'SUCCEEDED', message: 'all tasks running' };
    };

    const { execution, outcome } = await env.run({ action: 'cutover', version: 'v2' });

    expect(output(outcome)).toMatchObject({
      action: 'cutover',
      live: 'green',
      previous: 'blue',
      version: 'v2',
    });
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.executionId))).toEqual(new Set([execution.executionArn]));
    expect(calls[0]).toEqual({
      service: 'hooked-api',
      color: 'green',
      targetGroupArn: env.fixture.greenTargetGroupArn,
      version: 'v2',
      executionId: execution.executionArn,
      attempt: 1,
    });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('does not call the hook for a rollback: the previous side already runs its code', async () => {
    const { outcome } = await env.run({ action: 'rollback' });

    expect(output(outcome)).toMatchObject({ action: 'rollback', live: 'blue', previous: 'green' });
    expect(calls).toEqual([]);
  });

  it('fails DeployFailed with the hook message when the hook answers FAILED; traffic untouched', async () => {
    hook = () => ({ status: 'FAILED', message: 'image orders:v3 not found' });

    const { outcome } = await env.run({ action: 'cutover', version: 'v3' });

    const { error, cause } = failure(outcome);
    expect(error).toBe('DeployFailed');
    expect(cause).toMatchObject({ live: 'blue', version: 'v3' });
    expect(cause.message).toMatch(/image orders:v3 not found/);
    expect(calls).toHaveLength(1);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('fails DeployFailed quoting the error when the hook itself throws', async () => {
    hook = () => {
      throw new Error('AccessDenied: ecs:UpdateService');
    };

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v4' })).outcome);

    expect(error).toBe('DeployFailed');
    expect(cause.message).toContain(deployHookArn('hooked-api'));
    expect(cause.message).toMatch(/AccessDenied: ecs:UpdateService/);
  });

  it('fails DeployFailed when the hook is still in progress after healthTimeoutSeconds', async () => {
    hook = () => ({ status: 'IN_PROGRESS', message: 'waiting for capacity' });

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v5' })).outcome);

    expect(error).toBe('DeployFailed');
    expect(cause.message).toMatch(
      /still in progress after 6 s \(healthTimeoutSeconds\): waiting for capacity/,
    );
    expect(calls.length).toBeGreaterThan(2);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });
});
