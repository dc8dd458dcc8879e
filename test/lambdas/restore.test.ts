import type { Color } from '../../lambdas/shared/contract';
import { restoreOrExplain, restoreTraffic } from '../../lambdas/shared/restore';
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

describe('restoreOrExplain', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });

  it('tries a restore that hit throttling again in place, and restores', async () => {
    // Prepare: the router write is throttled twice (past the SDK's own retries), then goes through.
    const { router, writes } = routerWith({ blue: 2, green: 2 });
    let refusals = 2;
    const write = router.write;
    router.write = async (target, share) => {
      if (refusals-- > 0) throw throttled();
      await write(target, share);
    };

    // Act
    const result = await restoreOrExplain(router, 'blue', [0, 0, 0]);

    // Assess
    expect(result).toMatchObject({ restored: true });
    expect(writes).toEqual(['blue']);
  });

  it('explains a restore that stays throttled after its tries, and one AWS refuses at once', async () => {
    const { router } = routerWith({ blue: 2, green: 2 });
    let tries = 0;
    router.write = async () => {
      tries += 1;
      throw throttled();
    };
    expect(await restoreOrExplain(router, 'blue', [0, 0])).toMatchObject({
      restored: false,
      why: expect.stringMatching(/Throttling: Rate exceeded/),
    });
    expect(tries).toBe(3);

    tries = 0;
    router.write = async () => {
      tries += 1;
      throw Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    };
    expect(await restoreOrExplain(router, 'blue', [0, 0])).toMatchObject({ restored: false });
    expect(tries).toBe(1);
  });
});
