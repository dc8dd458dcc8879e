import type { LambdaAliasTrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

const env = useOfflineEnvironment({
  service: 'payments',
  traffic: 'lambda-alias',
  trafficExtra: { healthCheck: { payload: { smoke: true } } },
  deploy: { type: 'lambda-version', code: { s3Bucket: 'payments-builds', s3Key: 'builds/{version}.zip' } },
  bakeSeconds: 2,
  healthTimeoutSeconds: 4,
});
const lambda = () => env.router as LambdaAliasTrafficFixture;

/** Each side's version and the router's, as Lambda holds them. */
async function aliases(): Promise<{ router: string; blue?: string; green?: string }> {
  const router = (await lambda().routerAlias()).version;
  return { router, blue: await lambda().helperVersion('blue'), green: await lambda().helperVersion('green') };
}

/** The version the next publish gets: the newest so far is on one of the helper aliases. */
async function nextVersion(): Promise<string> {
  const { blue, green } = await aliases();
  return String(Math.max(Number(blue ?? 0), Number(green ?? 0)) + 1);
}

describe('workflow: lambda-alias with a lambda-version deploy', () => {
  it('plans a first release in a dry run without creating any alias or publishing', async () => {
    await lambda().setHelper('blue', undefined);
    await lambda().uploadBuild('v3');
    const out = output((await env.run({ action: 'cutover', version: 'v3', dryRun: true })).outcome);
    expect(out).toMatchObject({ action: 'cutover', live: 'blue', dryRun: true });
    expect(await aliases()).toEqual({ router: '2', blue: undefined, green: undefined });
    expect(env.router.writes()).toEqual([]);
    const published = env.aws.calls.filter(
      (c) => c.operation === 'PublishVersion' || c.operation === 'CreateAlias',
    );
    expect(published).toEqual([]);
  });

  it('on the first release creates blue at the router version, publishes the build as green and flips the router', async () => {
    const sha = await lambda().uploadBuild('v3');
    const out = output((await env.run({ action: 'cutover', version: 'v3', codeSha256: sha })).outcome);
    expect(out).toMatchObject({ action: 'cutover', live: 'green', previous: 'blue', version: 'v3' });
    expect(await aliases()).toEqual({ router: '3', blue: '2', green: '3' });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    const published = await lambda().describeVersion('3');
    expect(published).toMatchObject({ Description: 'v3', CodeSha256: sha });
  });

  it('alternates: the next release goes to blue', async () => {
    await lambda().uploadBuild('v4');
    const out = output((await env.run({ action: 'cutover', version: 'v4' })).outcome);
    expect(out).toMatchObject({ live: 'blue', previous: 'green' });
    expect(await aliases()).toEqual({ router: '4', blue: '4', green: '3' });
  });

  it('rolls back from the console to the previous version', async () => {
    const out = output((await env.run({ action: 'rollback', reason: 'latency' })).outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'green' });
    expect(await aliases()).toEqual({ router: '3', blue: '4', green: '3' });
  });

  it('refuses a second rollback onto the release just rolled back (NothingToRollBack), untouched', async () => {
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.live).toBe('green');
    expect((await aliases()).router).toBe('3');
  });

  it('refuses a release while an alarm is in ALARM (AlarmFiring), traffic untouched', async () => {
    const alarm = env.router.alarmNames[0] ?? '';
    await lambda().uploadBuild('v5');
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v5' })).outcome);
      expect(error).toBe('AlarmFiring');
      expect(cause).toMatchObject({ alarm, live: 'green' });
      expect((await aliases()).router).toBe('3');
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('refuses a build whose smoke test answers a function error (IdleNotHealthy), traffic untouched', async () => {
    const broken = await nextVersion();
    lambda().script(broken, 'error');
    await lambda().uploadBuild('v6');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v6' })).outcome);
      expect(error).toBe('IdleNotHealthy');
      expect(cause.message).toContain(`version ${broken}`);
      expect(cause.message).toContain('smoke test answered a function error');
      expect(await aliases()).toMatchObject({ router: '3', blue: broken });
    } finally {
      lambda().clearSideHealth();
    }
  });

  it('rolls back by itself when an alarm fires during the bake (RolledBack), the router back on the old version', async () => {
    const alarm = env.router.alarmNames[1] ?? '';
    await lambda().uploadBuild('v7');
    const running = env.start({ action: 'cutover', version: 'v7' });
    await waitFor(async () => (await env.weights()).blue === 100);
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure(await running.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: 'green' });
      expect((await aliases()).router).toBe('3');
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('refuses a router pointed by hand at a version neither helper holds (RouterStateUnknown), untouched', async () => {
    await lambda().setRouter('1');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v8' })).outcome);
      expect(error).toBe('RouterStateUnknown');
      expect(cause.message).toContain('points at version 1, which neither helper alias holds');
      expect((await aliases()).router).toBe('1');
    } finally {
      await lambda().setRouter('3');
    }
  });

  it('refuses a RoutingConfig it did not write (RouterStateUnknown), untouched', async () => {
    const blue = (await aliases()).blue ?? '';
    await lambda().setRouter('3', { [blue]: 0.25 });
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v8' })).outcome);
      expect(error).toBe('RouterStateUnknown');
      expect(cause.message).toContain('RoutingConfig this workflow did not write');
      expect(await lambda().routerAlias()).toEqual({ version: '3', weights: { [blue]: 0.25 } });
    } finally {
      await lambda().setRouter('3');
    }
  });

  it('fails the compare-and-swap when someone edits the router between read and write, overwriting nothing', async () => {
    await lambda().uploadBuild('v9');
    lambda().editRouterBeforeNextWrite('1');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v9' })).outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.message).toContain('PreconditionFailedException');
      // The concurrent edit stands: the workflow's write was refused, not applied over it.
      expect((await aliases()).router).toBe('1');
      const refused = env.router.writes().filter((w) => !w.accepted);
      expect(refused).toHaveLength(1);
    } finally {
      await lambda().setRouter('3');
    }
  });

  it('refuses to publish a build that is not the one the input pins (DeployFailed), untouched', async () => {
    await lambda().uploadBuild('v10');
    const other = await lambda().uploadBuild('v10-other');
    const before = await aliases();
    const { error, cause } = failure(
      (await env.run({ action: 'cutover', version: 'v10', codeSha256: other })).outcome,
    );
    expect(error).toBe('DeployFailed');
    expect(cause.message).toContain('CodeSHA256');
    expect(await aliases()).toEqual(before);
  });

  it('fails a deploy whose package is missing from S3 (DeployFailed)', async () => {
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v-missing' })).outcome);
    expect(error).toBe('DeployFailed');
    expect(cause.message).toContain('NoSuchKey');
    expect((await aliases()).router).toBe('3');
  });
});
