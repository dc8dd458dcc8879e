import type { OfflineOptions } from '../../local';
import type { LambdaAliasTrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/** Gradual shifting on the Lambda alias and Route 53 routers: 20% -> 60% -> 100%, each step held 2 s. */
const SHIFT = { steps: [20, 60, 100], stepBakeSeconds: 2 };

const worlds: Array<[string, OfflineOptions]> = [
  [
    'lambda-alias',
    {
      service: 'shift-lambda',
      traffic: 'lambda-alias',
      trafficExtra: { shift: SHIFT },
      deploy: {
        type: 'lambda-version',
        code: { s3Bucket: 'shift-lambda-builds', s3Key: 'builds/{version}.zip' },
      },
    },
  ],
  ['route53-weighted', { service: 'shift-dns', traffic: 'route53-weighted', trafficExtra: { shift: SHIFT } }],
];

describe.each(worlds)('workflow: gradual shift with %s', (type, options) => {
  const env = useOfflineEnvironment({ ...options, bakeSeconds: 2, healthTimeoutSeconds: 10, initialMs: 300 });
  const upload = async (version: string) => {
    if (type === 'lambda-alias') await (env.router as LambdaAliasTrafficFixture).uploadBuild(version);
  };
  /** The new side's share at each accepted write since `since`. */
  const shares = (side: 'blue' | 'green', since: number) =>
    env.router
      .writes()
      .filter((w) => w.at >= since && w.accepted)
      .map((w) => w.weights[side]);

  it('moves traffic through each step, then bakes and succeeds', async () => {
    await upload('v2');
    const since = Date.now();
    const { outcome } = await env.run({ action: 'cutover', version: 'v2' });
    expect(output(outcome)).toMatchObject({ live: 'green', previous: 'blue' });
    expect(shares('green', since)).toEqual([20, 60, 100]);
    expect(await env.weights()).toMatchObject({ green: 100, blue: 0 });
  });

  it.each([20, 60])('puts all traffic back at once when an alarm fires at the %i%% step', async (share) => {
    const live = (await env.weights()).green === 100 ? 'green' : 'blue';
    const target = live === 'green' ? 'blue' : 'green';
    // The side that just lost its traffic drains first (a DNS TTL).
    await new Promise((r) => setTimeout(r, 1500));
    await upload(`v3-at-${share}`);
    const alarm = env.router.alarmNames[0]!;
    const since = Date.now();
    const execution = env.start({ action: 'cutover', version: `v3-at-${share}` });
    await waitFor(async () => (await env.weights())[target] === share);
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live });
      expect(shares(target, since)).toEqual([...SHIFT.steps.filter((p) => p <= share), 0]);
      expect(await env.weights()).toMatchObject({ [live]: 100, [target]: 0 });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });
});
