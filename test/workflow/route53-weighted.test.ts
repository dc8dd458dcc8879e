import type { Route53TrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * The `route53-weighted` router through the synthesized state machine: `<service>.example.com` as
 * two weighted CNAME records (TTL 1 s, so the drain, which is the TTL, stays short), blue's target
 * group in us-east-1 and green's in us-west-2. The proxy makes moto's Route 53 honest: atomic,
 * exact change batches, changes PENDING for a second before INSYNC.
 */

const env = useOfflineEnvironment({
  service: 'dns-paths',
  traffic: 'route53-weighted',
  bakeSeconds: 2,
  healthTimeoutSeconds: 4,
  initialMs: 1000,
});
const router = (): Route53TrafficFixture => env.router as Route53TrafficFixture;
const switchedTo = (color: 'blue' | 'green') => waitFor(async () => (await env.weights())[color] === 100);

/**
 * Resolvers keep a record's old answer for its TTL (1 s here): a cutover back to the side that just
 * lost its traffic is refused until then (the drain). Scenarios that follow a switch wait it out.
 */
const ttlPassed = () => new Promise((r) => setTimeout(r, 1500));

async function liveSide(): Promise<'blue' | 'green'> {
  return (await env.weights()).blue === 100 ? 'blue' : 'green';
}

describe('route53-weighted: before any release', () => {
  it('refuses a rollback with no release in the history, records untouched', async () => {
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.live).toBe('blue');
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
    expect(router().writes()).toEqual([]);
  });

  it('fails with IdleNotHealthy when green (in us-west-2) never gets healthy, records untouched', async () => {
    env.setSideHealth('green', 'unhealthy');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v1-bad' })).outcome);
      expect(error).toBe('IdleNotHealthy');
      expect(cause.message).toContain('green: 0 of 2 targets healthy');
      expect(await env.weights()).toEqual({ blue: 100, green: 0 });
      expect(router().writes()).toEqual([]);
    } finally {
      env.clearSideHealth();
    }
  });
});

describe('route53-weighted: releases', () => {
  it('moves the weights to green in one batch and waits until the change is INSYNC', async () => {
    const before = env.aws.calls.length;
    const out = output((await env.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(out).toMatchObject({ action: 'cutover', live: 'green', previous: 'blue', version: 'v2' });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    const writes = router().writes();
    expect(writes).toEqual([expect.objectContaining({ accepted: true, weights: { blue: 0, green: 100 } })]);
    const calls = env.aws.calls.slice(before);
    const batch = calls.find((c) => c.operation === 'ChangeResourceRecordSets');
    const polls = calls.filter((c) => c.operation === 'GetChange' && c.caller === batch?.caller);
    // The change is PENDING for a second: SwitchTraffic polled until it was INSYNC.
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect((polls.at(-1)?.at ?? 0) - (batch?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('alternates: the next release goes back to blue', async () => {
    output((await env.run({ action: 'cutover', version: 'v3' })).outcome);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('rolls back from the console to the previous side', async () => {
    const out = output((await env.run({ action: 'rollback', reason: 'bad release' })).outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'green' });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('refuses a cutover while an alarm fires, records untouched', async () => {
    const alarm = router().alarmNames[0] ?? '';
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v4' })).outcome);
      expect(error).toBe('AlarmFiring');
      expect(cause.alarm).toBe(alarm);
      expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('rolls back by itself when an alarm fires during the bake: the weights go back', async () => {
    const alarm = router().alarmNames[0] ?? '';
    await ttlPassed();
    const live = await liveSide();
    const idle = live === 'blue' ? 'green' : 'blue';
    const execution = env.start({ action: 'cutover', version: 'v5' });
    await switchedTo(idle);
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.alarm).toBe(alarm);
      expect(await env.weights()).toEqual({ [live]: 100, [idle]: 0 });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });
});

describe('route53-weighted: records edited by hand', () => {
  let live: 'blue' | 'green' = 'blue';
  beforeEach(async () => {
    await ttlPassed();
    live = await liveSide();
  });
  afterEach(async () => {
    await router().resetRecords(live);
  });

  it.each([
    ['a third weighted record', () => router().putRecord('canary', 10), "'canary' (weight 10)"],
    [
      'weights this workflow did not write',
      async () => {
        await router().editRecord('blue', { Weight: 70 });
        await router().editRecord('green', { Weight: 30 });
      },
      'splits traffic between both sides (blue=70, green=30)',
    ],
    [
      'a missing record',
      () => router().deleteRecord('green'),
      "no weighted record with set identifier 'green'",
    ],
  ])('refuses %s as RouterStateUnknown, writing nothing', async (_, edit, found) => {
    await edit();
    const before = await router().records();
    const writes = router().writes().length;
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v6' })).outcome);
    expect(error).toBe('RouterStateUnknown');
    expect(cause.message).toContain(found);
    expect(await router().records()).toEqual(before);
    expect(router().writes()).toHaveLength(writes);
  });

  it('fails the batch as a whole when someone edits a record between the read and the write', async () => {
    const idle = live === 'blue' ? 'green' : 'blue';
    // Someone turns the live record down to 50 by hand just as SwitchTraffic sends its batch.
    router().editBeforeNextWrite(() => router().editRecord(live, { Weight: 50, TTL: 30 }));
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v7' })).outcome);
    expect(error).toBe('CutoverFailed');
    expect(cause.message).toContain('InvalidChangeBatch');
    expect(cause.message).toContain('traffic was not moved');
    // Their edit stands; nothing of the batch was applied.
    const records = await router().records();
    expect(records.map((r) => [r.SetIdentifier, r.Weight, r.TTL])).toEqual(
      expect.arrayContaining([
        [live, 50, 30],
        [idle, 0, 1],
      ]),
    );
    expect(records).toHaveLength(2);
    expect(router().writes().at(-1)).toMatchObject({ accepted: false, weights: { [live]: 0, [idle]: 100 } });
  });
});
