import type { OfflineEnvironment, OfflineOptions } from '../offline/environment';
import type { LambdaAliasTrafficFixture, TrafficType } from '../offline/traffic';

/** What the demo shows of each router: how its world is described, and the options it runs with. */
export interface DemoWorld {
  readonly type: TrafficType;
  /** One line: the resources the demo builds in moto. */
  readonly describe: string;
  readonly options: OfflineOptions;
  /**
   * Seconds a side that just lost its traffic keeps answering (the records' TTL): a cutover back to
   * it waits that long, or is refused with the time to retry.
   */
  readonly drainSeconds?: number;
  /** What a pipeline does before it starts a cutover of `version` (e.g. upload the build). */
  readonly beforeCutover?: (env: OfflineEnvironment, version: string) => Promise<void>;
}

/** The routers the demo runs, in order (`npm run demo -- --traffic <type>` runs one). */
export const DEMO_WORLDS: readonly DemoWorld[] = [
  {
    type: 'alb-listener',
    describe: 'an ALB (HTTPS:443 forwarding to blue, HTTP:80 redirecting), two target groups of 2 instances',
    options: { service: 'orders-api', bakeSeconds: 4, pollSeconds: 1, initialMs: 1500 },
  },
  {
    type: 'lambda-alias',
    describe:
      'a function with versions 1 and 2, the alias "live" callers invoke at 2, blue\'s helper alias at 2; each release publishes the build the pipeline uploaded (deploy lambda-version) and smoke-tests it',
    options: {
      service: 'payments',
      bakeSeconds: 4,
      pollSeconds: 1,
      trafficExtra: { healthCheck: { payload: { smoke: true } } },
      deploy: {
        type: 'lambda-version',
        code: { s3Bucket: 'payments-builds', s3Key: 'builds/{version}.zip' },
      },
    },
    beforeCutover: async (env, version) => {
      await (env.router as LambdaAliasTrafficFixture).uploadBuild(version);
    },
  },
  {
    type: 'route53-weighted',
    describe:
      "two weighted CNAMEs of <service>.example.com (TTL 1 s), blue 100 and green 0, each side's health from its own target group: blue's in us-east-1, green's in us-west-2",
    options: { service: 'catalog', bakeSeconds: 4, pollSeconds: 1, initialMs: 1500 },
    drainSeconds: 1,
  },
];
