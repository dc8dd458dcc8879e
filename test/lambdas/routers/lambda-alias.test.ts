import { type LambdaAliasTraffic, RouterStateUnknown } from '../../../lambdas/shared/contract';
import {
  type AliasesRead,
  readAliases,
  routerUpdateFor,
} from '../../../lambdas/shared/routers/lambda-alias/aliases';
import { summarizeVersion } from '../../../lambdas/shared/routers/lambda-alias/health';
import { thrown } from '../../support/errors';

const traffic: LambdaAliasTraffic = {
  type: 'lambda-alias',
  functionName: 'payments',
  aliasName: 'live',
  blueAliasName: 'blue',
  greenAliasName: 'green',
};
const at = (functionVersion: string, weights: Record<string, number> = {}) => ({ functionVersion, weights });
const aliases = (router: ReturnType<typeof at>, blue?: string, green?: string): AliasesRead => ({
  router,
  ...(blue ? { blue: at(blue) } : {}),
  ...(green ? { green: at(green) } : {}),
});

describe('readAliases', () => {
  it('reads the side whose helper holds the router version as live', () => {
    expect(readAliases(traffic, aliases(at('5'), '4', '5'))).toEqual({
      live: 'green',
      idleAttached: true,
      weights: { blue: 0, green: 100 },
      versions: { blue: '4', green: '5' },
      liveHelperMissing: false,
    });
  });

  it('reads a first release (no helper aliases) as blue live at the router version, blue to be created', () => {
    expect(readAliases(traffic, aliases(at('2')))).toEqual({
      live: 'blue',
      idleAttached: false,
      weights: { blue: 100, green: null },
      versions: { blue: '2', green: undefined },
      liveHelperMissing: true,
    });
  });

  it('reads blue missing and green prepared by a pipeline as blue live, green idle', () => {
    const read = readAliases(traffic, aliases(at('2'), undefined, '3'));
    expect(read).toMatchObject({
      live: 'blue',
      liveHelperMissing: true,
      versions: { blue: '2', green: '3' },
    });
  });

  it('leaves green unknown until its helper exists (not attached)', () => {
    expect(readAliases(traffic, aliases(at('2'), '2'))).toMatchObject({ live: 'blue', idleAttached: false });
  });

  it.each([
    [
      'a router at a version neither helper holds',
      aliases(at('7'), '4', '5'),
      'points at version 7, which neither helper alias holds (blue=4, green=5)',
    ],
    ['a router at $LATEST', aliases(at('$LATEST'), '4', '5'), 'points at $LATEST, which is never a side'],
    [
      'a helper at $LATEST',
      aliases(at('4'), '4', '$LATEST'),
      'helper alias green of payments (green) points at $LATEST',
    ],
    [
      'both helpers at one version',
      aliases(at('4'), '4', '4'),
      'both helper aliases of payments point at version 4',
    ],
    [
      'weights without traffic.shift',
      aliases(at('4', { '5': 0.1 }), '4', '5'),
      'RoutingConfig this workflow did not write (version 5 at 0.1',
    ],
  ])('refuses %s (RouterStateUnknown)', (_, read, message) => {
    const error = thrown(() => readAliases(traffic, read));
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain(message);
  });

  it('refuses a helper alias with weights of its own', () => {
    const read: AliasesRead = { router: at('4'), blue: at('4', { '3': 0.5 }), green: at('5') };
    expect(thrown(() => readAliases(traffic, read)).details.message).toContain(
      'a helper alias must point at one version',
    );
  });

  it('reads a shift step as a split when traffic.shift is configured, the larger share live', () => {
    const read = readAliases(traffic, aliases(at('4', { '5': 0.7 }), '4', '5'), { allowSplit: true });
    expect(read).toMatchObject({
      live: 'green',
      split: { blue: 30, green: 70 },
      weights: { blue: 30, green: 70 },
    });
  });

  it('refuses weights for a version that is not the other helper, even with traffic.shift', () => {
    const error = thrown(() =>
      readAliases(traffic, aliases(at('4', { '9': 0.1 }), '4', '5'), { allowSplit: true }),
    );
    expect(error.details.message).toContain('gives weight to version 9 at 0.1, not to the other helper');
  });
});

describe('routerUpdateFor', () => {
  const read = { versions: { blue: '4', green: '5' } };

  it('points the router at the target version with no weights at 100', () => {
    expect(routerUpdateFor(traffic, read, 'green')).toEqual({
      FunctionVersion: '5',
      RoutingConfig: { AdditionalVersionWeights: {} },
    });
  });

  it('keeps the side traffic leaves as the version and weights the target for a shift step', () => {
    expect(routerUpdateFor(traffic, read, 'green', 10)).toEqual({
      FunctionVersion: '4',
      RoutingConfig: { AdditionalVersionWeights: { '5': 0.1 } },
    });
  });

  it('round-trips: what a step writes reads back as that split', () => {
    const update = routerUpdateFor(traffic, read, 'green', 50);
    const back = readAliases(
      traffic,
      aliases(at(update.FunctionVersion, update.RoutingConfig.AdditionalVersionWeights), '4', '5'),
      { allowSplit: true },
    );
    expect(back.split).toEqual({ blue: 50, green: 50 });
  });

  it('refuses a target without a helper alias', () => {
    expect(
      thrown(() => routerUpdateFor(traffic, { versions: { blue: '4', green: undefined } }, 'green')).details
        .message,
    ).toContain('helper alias green of payments does not exist');
  });
});

describe('summarizeVersion', () => {
  const active = { version: '5', state: 'Active', lastUpdateStatus: 'Successful' };

  it('is healthy when Active and Successful, and says the smoke test passed', () => {
    expect(summarizeVersion('green', 'green', active, {})).toEqual({
      healthy: true,
      total: 1,
      healthyCount: 1,
      summary: 'green: helper alias green at version 5 is Active and passed its smoke test',
    });
  });

  it('is not healthy while the version is Pending, without calling it trouble', () => {
    const health = summarizeVersion('green', 'green', { ...active, state: 'Pending' });
    expect(health).toMatchObject({ healthy: false, healthyCount: 0 });
    expect(health.servingProblem).toBeUndefined();
  });

  it('names a failed smoke test, and it is trouble for a serving side', () => {
    const health = summarizeVersion('green', 'green', active, { functionError: 'Unhandled', detail: 'boom' });
    expect(health.summary).toBe(
      'green: helper alias green at version 5: the smoke test answered a function error (Unhandled): boom',
    );
    expect(health.servingProblem).toContain('green went unhealthy');
  });

  it('needs LastUpdateStatus Successful', () => {
    expect(summarizeVersion('blue', 'blue', { version: '3', state: 'Active' }).summary).toContain(
      'LastUpdateStatus missing',
    );
  });
});
