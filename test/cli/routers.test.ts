import type { TrafficType } from '../../local';
import { useOfflineEnvironment } from '../workflow/support';
import { cli, expectSuccess, json, useRunnerEndpoint } from './support';

interface StatusDoc {
  router: { type: string; name: string };
  live: string | null;
  health: Record<string, { healthy?: boolean; summary?: string; error?: string }>;
}

// `status` reads every router through its own adapter, with the configuration the stack was deployed with.
describe.each<[TrafficType, string]>([
  ['lambda-alias', 'cli-alias'],
  ['route53-weighted', 'cli-dns'],
])('bluegreen status of a %s service', (traffic, service) => {
  const env = useOfflineEnvironment({ service, traffic, bakeSeconds: 2, healthTimeoutSeconds: 3 });
  const runner = useRunnerEndpoint(env);

  it('shows blue live and healthy, read through the router', async () => {
    const run = await cli('status', '--json', ...runner.args(service));
    expectSuccess(run);
    const doc = json<StatusDoc>(run);
    expect(doc.router.type).toBe(traffic);
    expect(doc.live).toBe('blue');
    expect(doc.health.blue).toMatchObject({ healthy: true });

    const text = await cli('status', ...runner.args(service));
    expect(text.stdout).toMatch(new RegExp(`router\\s+${traffic}: `));
    expect(text.stdout).toMatch(/live\s+blue \(blue 100/);
  });
});
