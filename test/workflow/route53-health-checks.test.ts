import type { Route53TrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * The `route53-weighted` router with each side's health from a Route 53 health check (every checker
 * must report success) instead of a target group. The proxy answers GetHealthCheckStatus as the
 * test scripts it; moto alone always reports success.
 */

const env = useOfflineEnvironment({
  service: 'dns-checks',
  traffic: 'route53-weighted',
  healthSource: 'health-check',
  bakeSeconds: 3,
  healthTimeoutSeconds: 3,
});
const router = (): Route53TrafficFixture => env.router as Route53TrafficFixture;

describe('route53-weighted with Route 53 health checks', () => {
  it('configures the health checks, not the target groups', () => {
    expect(router().traffic).toMatchObject({
      blueHealthCheckId: router().healthChecks.blue,
      greenHealthCheckId: router().healthChecks.green,
    });
    expect(router().traffic).not.toHaveProperty('blueTargetGroupArn');
  });

  it("refuses a cutover while green's health check fails, records untouched", async () => {
    env.setSideHealth('green', 'unhealthy');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v1-bad' })).outcome);
      expect(error).toBe('IdleNotHealthy');
      expect(cause.message).toContain(`0 of 3 checkers of health check ${router().healthChecks.green}`);
      expect(cause.message).toContain('Failure: HTTP Status Code 503');
      expect(await env.weights()).toEqual({ blue: 100, green: 0 });
      expect(router().writes()).toEqual([]);
    } finally {
      env.clearSideHealth();
    }
  });

  it('cuts over once every checker of green reports success', async () => {
    output((await env.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('rolls back when the new side starts failing its health check during the bake', async () => {
    const execution = env.start({ action: 'cutover', version: 'v3' });
    await waitFor(async () => (await env.weights()).blue === 100);
    env.setSideHealth('blue', 'unhealthy');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.message).toContain(`blue went unhealthy: health check ${router().healthChecks.blue}`);
      expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    } finally {
      env.clearSideHealth();
    }
  });
});
