import type { SideWrite } from '../../local';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/** Gradual shifting on the ALB listener: 10% -> 50% -> 100%, each step held 2 s. */
const env = useOfflineEnvironment(
  {
    service: 'shift-paths',
    bakeSeconds: 2,
    healthTimeoutSeconds: 10,
    initialMs: 500,
    trafficExtra: { shift: { steps: [10, 50, 100], stepBakeSeconds: 2 } },
  },
  async (ready) => {
    // A first release so that there is a known-good side to return to (it shifts too).
    output((await ready.run({ action: 'cutover', version: 'v1' })).outcome);
  },
);

/** The shares each accepted write gave `side`, in order, from `since` on. */
function sharesOf(side: 'blue' | 'green', since: number): Array<number | null> {
  return env.router
    .writes()
    .filter((w: SideWrite) => w.at >= since && w.accepted)
    .map((w) => w.weights[side]);
}

async function live(): Promise<'blue' | 'green'> {
  return (await env.weights()).blue === 100 ? 'blue' : 'green';
}

describe('workflow: gradual shift (traffic.shift)', () => {
  it('moves traffic through each step, then bakes and succeeds', async () => {
    const from = await live();
    const to = from === 'blue' ? 'green' : 'blue';
    const since = Date.now();
    const { outcome } = await env.run({ action: 'cutover', version: 'v2' });
    expect(output(outcome)).toMatchObject({ live: to, previous: from });
    expect(sharesOf(to, since)).toEqual([10, 50, 100]);
    expect(await env.weights()).toEqual({ [to]: 100, [from]: 0 });
  });

  it.each([10, 50])('puts all traffic back at once when an alarm fires at the %i%% step', async (share) => {
    const from = await live();
    const to = from === 'blue' ? 'green' : 'blue';
    const alarm = env.router.alarmNames[0]!;
    const since = Date.now();
    const execution = env.start({ action: 'cutover', version: `v3-alarm-${share}` });
    await waitFor(async () => (await env.weights())[to] === share);
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: from });
      // Each share up to the alarm's, then straight back to 0: no step up after the alarm.
      expect(sharesOf(to, since)).toEqual([...[10, 50].filter((p) => p <= share), 0]);
      expect(await env.weights()).toEqual({ [from]: 100, [to]: 0 });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('rolls back when the new side goes unhealthy during a step, without growing its share', async () => {
    const from = await live();
    const to = from === 'blue' ? 'green' : 'blue';
    const since = Date.now();
    const execution = env.start({ action: 'cutover', version: 'v4-sick' });
    await waitFor(async () => (await env.weights())[to] === 10);
    env.setSideHealth(to, 'unhealthy');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.live).toBe(from);
      expect(sharesOf(to, since)).toEqual([10, 0]);
    } finally {
      env.clearSideHealth();
    }
  });

  it('a console rollback during a step joins the cutover and restores the old side', async () => {
    // The previous release failed, so the side before it is not known good: release once first.
    output((await env.run({ action: 'cutover', version: 'v5' })).outcome);
    const from = await live();
    const to = from === 'blue' ? 'green' : 'blue';
    const execution = env.start({ action: 'cutover', version: 'v6' });
    await waitFor(async () => (await env.weights())[to] === 10);
    const { outcome } = await env.run({ action: 'rollback', reason: 'error rate at 10%' });
    expect(output(outcome)).toMatchObject({ action: 'rollback', live: from, joined: execution.executionArn });
    const { error } = failure(await execution.result);
    expect(error).toBe('RolledBack');
    expect(await env.weights()).toEqual({ [from]: 100, [to]: 0 });
  });

  it('a dry run lists the steps and changes nothing', async () => {
    const before = await env.weights();
    const { outcome } = await env.run({ action: 'cutover', version: 'v7', dryRun: true });
    const plan = output(outcome).plan as { steps: string[] };
    expect(plan.steps.join('\n')).toMatch(/through 10% -> 50% -> 100%, holding each step but the last 2 s/);
    expect(await env.weights()).toEqual(before);
  });
});
