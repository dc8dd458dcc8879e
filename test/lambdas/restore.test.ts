import type { Color } from '../../lambdas/shared/contract';
import { restoreTraffic } from '../../lambdas/shared/restore';
import type { Router, RouterView, SideHealth } from '../../lambdas/shared/routers';

/** A router with green live, whose sides report the given healthy counts (all of their targets). */
function routerWith(healthy: Record<Color, number>, leftFails = false) {
  const writes: Color[] = [];
  const view: RouterView = {
    live: 'green',
    idle: 'blue',
    idleAttached: true,
    weights: { blue: 0, green: 100 },
    sides: { blue: 'b', green: 'g' },
    scope: 'lb',
  };
  const health = (color: Color): SideHealth => ({
    healthy: true,
    total: healthy[color],
    healthyCount: healthy[color],
    summary: `${color}: ${healthy[color]} of ${healthy[color]} targets healthy`,
  });
  const router: Router = {
    kind: 'listener',
    name: 'listener l',
    words: { attach: () => '', unattached: () => '', drain: '', drainSource: () => '' },
    read: async () => view,
    inspect: async () => view,
    attachIdle: async () => false,
    write: async (target) => {
      writes.push(target);
    },
    sideHealth: async (color) => {
      if (leftFails && color === 'green') throw new Error('throttled');
      return health(color);
    },
    drainSeconds: async () => 0,
  };
  return { router, writes };
}

describe('restoreTraffic and capacity', () => {
  it('restores onto a smaller side and says so, naming both counts', async () => {
    const { router, writes } = routerWith({ blue: 2, green: 6 });
    const restored = await restoreTraffic(router, 'blue');
    expect(writes).toEqual(['blue']);
    expect(restored).toMatchObject({
      restored: true,
      capacity: expect.stringMatching(
        /blue took all traffic back with 2 healthy targets where green had 6.*scale blue up/,
      ),
    });
  });

  it('says nothing of capacity when the restored side is as large', async () => {
    const { router } = routerWith({ blue: 6, green: 6 });
    expect(await restoreTraffic(router, 'blue')).not.toHaveProperty('capacity');
  });

  it('still restores when the side it leaves cannot be read', async () => {
    const { router, writes } = routerWith({ blue: 2, green: 6 }, true);
    expect(await restoreTraffic(router, 'blue')).toMatchObject({ restored: true });
    expect(writes).toEqual(['blue']);
  });
});
