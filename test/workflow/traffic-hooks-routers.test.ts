import type { TrafficHookEvent } from '../../lambdas/shared/contract';
import type { LambdaAliasTrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment } from './support';

type Answer = { status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED'; message?: string };

/** The lifecycle hooks work the same for the routers other than the ALB listener. */

const calls: TrafficHookEvent[] = [];
let after: (event: TrafficHookEvent) => Answer = () => ({ status: 'SUCCEEDED' });
const hooks = {
  beforeTraffic: (event: TrafficHookEvent): Answer => {
    calls.push(event);
    return event.attempt < 2 ? { status: 'IN_PROGRESS' } : { status: 'SUCCEEDED' };
  },
  afterTraffic: (event: TrafficHookEvent): Answer => {
    calls.push(event);
    return after(event);
  },
};

const alias = useOfflineEnvironment({
  service: 'hooked-payments',
  traffic: 'lambda-alias',
  deploy: {
    type: 'lambda-version',
    code: { s3Bucket: 'hooked-payments-builds', s3Key: 'builds/{version}.zip' },
  },
  bakeSeconds: 2,
  healthTimeoutSeconds: 5,
  hooks,
});
const dns = useOfflineEnvironment({
  service: 'hooked-dns',
  traffic: 'route53-weighted',
  bakeSeconds: 2,
  healthTimeoutSeconds: 5,
  initialMs: 500,
  hooks,
});

beforeEach(() => {
  calls.length = 0;
  after = () => ({ status: 'SUCCEEDED' });
});

const phases = () => calls.map((c) => `${c.phase}#${c.attempt}`);

describe('lifecycle hooks: lambda-alias', () => {
  it('calls beforeTraffic until it succeeds, switches the alias, then afterTraffic', async () => {
    await (alias.router as LambdaAliasTrafficFixture).uploadBuild('v2');
    const out = output((await alias.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(out).toMatchObject({ live: 'green', previous: 'blue', version: 'v2' });
    expect(phases()).toEqual(['beforeTraffic#1', 'beforeTraffic#2', 'afterTraffic#1']);
    expect(calls[0]).toMatchObject({ service: 'hooked-payments', color: 'green', version: 'v2' });
    expect(await alias.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('rolls the alias back when afterTraffic answers FAILED', async () => {
    await (alias.router as LambdaAliasTrafficFixture).uploadBuild('v3');
    after = () => ({ status: 'FAILED', message: 'refund path broken' });
    const { error, cause } = failure((await alias.run({ action: 'cutover', version: 'v3' })).outcome);
    expect(error).toBe('RolledBack');
    expect(cause.message).toContain('afterTraffic hook');
    expect(cause.message).toContain('refund path broken');
    expect(await alias.weights()).toEqual({ blue: 0, green: 100 });
  });
});

describe('lifecycle hooks: route53-weighted', () => {
  it('calls beforeTraffic until it succeeds, switches the records, then afterTraffic', async () => {
    const out = output((await dns.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(out).toMatchObject({ live: 'green', previous: 'blue', version: 'v2' });
    expect(phases()).toEqual(['beforeTraffic#1', 'beforeTraffic#2', 'afterTraffic#1']);
    expect(calls[0]).toMatchObject({ service: 'hooked-dns', color: 'green', version: 'v2' });
    expect(await dns.weights()).toEqual({ blue: 0, green: 100 });
  });
});
