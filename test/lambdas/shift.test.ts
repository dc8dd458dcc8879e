import type { LeaseStore } from '../../lambdas/shared/aws/store';
import { shiftStep } from '../../lambdas/shared/bake';
import type { Color } from '../../lambdas/shared/contract';
import type { Router, RouterView, SideHealth } from '../../lambdas/shared/routers';
import { firstShare, nextStep, shiftSeconds, watchEnd } from '../../lambdas/shared/shift';

const SHIFT = { steps: [10, 50, 100], stepBakeSeconds: 60 };
const config = {
  traffic: {
    type: 'alb-listener' as const,
    listenerArn: 'l',
    blueTargetGroupArn: 'b',
    greenTargetGroupArn: 'g',
    shift: SHIFT,
  },
  bakeSeconds: 600,
};
const at = (step: number, percent: number) => ({ step, percent, since: '2026-12-02T10:00:00.000Z' });
const T0 = Date.parse('2026-12-02T10:00:00.000Z');

describe('shift positions', () => {
  it('starts a cutover at the first step and a rollback at 100', () => {
    expect(firstShare(config, 'cutover')).toBe(10);
    expect(firstShare(config, 'rollback')).toBe(100);
    expect(firstShare({ traffic: { ...config.traffic, shift: undefined } }, 'cutover')).toBe(100);
  });

  it('holds a step for stepBakeSeconds and the last one for bakeSeconds', () => {
    expect(nextStep(config, at(0, 10))).toEqual({ step: 1, percent: 50 });
    expect(nextStep(config, at(2, 100))).toBeUndefined();
    expect(watchEnd(config, at(1, 50)) - T0).toBe(60_000);
    expect(watchEnd(config, at(2, 100)) - T0).toBe(600_000);
  });

  it('counts the time spent in steps before the bake', () => {
    expect(shiftSeconds(SHIFT)).toBe(120);
    expect(shiftSeconds(undefined)).toBe(0);
  });
});

/** A router that holds a split and records its writes. */
function fakeRouter(split: Record<Color, number>, healthy: boolean) {
  const writes: Array<[Color, number | undefined]> = [];
  const view: RouterView = {
    live: split.green > split.blue ? 'green' : 'blue',
    idle: split.green > split.blue ? 'blue' : 'green',
    split,
    idleAttached: true,
    weights: split,
    sides: { blue: 'b', green: 'g' },
    scope: 'lb',
  };
  const health: SideHealth = {
    healthy,
    total: 2,
    healthyCount: healthy ? 2 : 1,
    summary: 'green: 1 of 2 targets healthy',
  };
  const router: Router = {
    kind: 'listener',
    name: 'listener l',
    words: { attach: () => '', unattached: () => '', drain: '', drainSource: () => '' },
    read: async () => view,
    inspect: async () => view,
    attachIdle: async () => false,
    write: async (target, percent) => {
      writes.push([target, percent]);
    },
    sideHealth: async () => health,
    drainSeconds: async () => 0,
  };
  return { router, writes };
}

const store = (fenced: boolean) => ({ fence: async () => fenced }) as unknown as LeaseStore;
const scope = (router: Router, fenced = true) => ({
  router,
  store: store(fenced),
  owner: 'me',
  serving: 'green' as const,
  position: at(0, 10),
  next: { step: 1, percent: 50 },
});

describe('shiftStep', () => {
  it('writes the next share when the new side is healthy and the router holds the last one', async () => {
    const { router, writes } = fakeRouter({ blue: 90, green: 10 }, true);
    expect(await shiftStep(scope(router))).toHaveProperty('since');
    expect(writes).toEqual([['green', 50]]);
  });

  it('does not grow the share of a side that is not fully healthy', async () => {
    const { router, writes } = fakeRouter({ blue: 90, green: 10 }, false);
    const answer = await shiftStep(scope(router));
    expect(answer).toMatchObject({
      problem: { reason: expect.stringMatching(/not fully healthy.*10% to 50%/) },
    });
    expect(writes).toEqual([]);
  });

  it('treats a router someone else wrote as a problem, and writes nothing', async () => {
    const { router, writes } = fakeRouter({ blue: 70, green: 30 }, true);
    const answer = await shiftStep(scope(router));
    expect(answer).toMatchObject({
      problem: { reason: expect.stringMatching(/should have 10%.*it has 30%/) },
    });
    expect(writes).toEqual([]);
  });

  it('does not write again when a retried step finds its share already written', async () => {
    const { router, writes } = fakeRouter({ blue: 50, green: 50 }, true);
    expect(await shiftStep(scope(router))).toHaveProperty('since');
    expect(writes).toEqual([]);
  });

  it('writes nothing without the lease', async () => {
    const { router, writes } = fakeRouter({ blue: 90, green: 10 }, true);
    expect(await shiftStep(scope(router, false))).toMatchObject({
      problem: { reason: expect.stringMatching(/lost its lease/) },
    });
    expect(writes).toEqual([]);
  });
});
