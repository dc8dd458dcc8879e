import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { HistoryEvent } from '../../local';
import { describeRouteActions, editRouteByHand } from '../../local/fixtures';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * Target-group stickiness on the switched listener: sticky clients stay on the old side until their
 * cookie expires, so the drain (and the refusal to deploy to a side that served too recently) lasts
 * the stickiness duration; a rollback turns stickiness off so they come back at once.
 */
const STICKY_SECONDS = 3;
const env = useOfflineEnvironment({
  service: 'stickiness',
  albStickinessSeconds: { listener: STICKY_SECONDS },
  bakeSeconds: 3,
  healthTimeoutSeconds: 10,
  initialMs: 500,
});

const listener = () => ({ listenerArn: env.fixture.listenerArn });
const stickinessOf = async () => {
  const [forward] = await describeRouteActions(env.moto.endpoint, listener());
  return forward?.ForwardConfig?.TargetGroupStickinessConfig;
};
/** Sets the listener's stickiness by hand, weights as they are. */
const setStickiness = async (config: { Enabled: boolean; DurationSeconds?: number }) => {
  const actions = await describeRouteActions(env.moto.endpoint, listener());
  const edited: Action[] = actions.map((a) =>
    a.Type === 'forward'
      ? { ...a, ForwardConfig: { ...a.ForwardConfig, TargetGroupStickinessConfig: config } }
      : a,
  );
  await editRouteByHand(env.moto.endpoint, listener(), edited);
};
const at = (history: readonly HistoryEvent[], type: HistoryEvent['type'], state: string): number => {
  const event = history.find((e) => e.type === type && 'state' in e && e.state === state);
  if (!event) throw new Error(`no ${type} of ${state}`);
  return event.timestamp;
};

describe('workflow: ALB target-group stickiness', () => {
  it('drains for the stickiness duration and keeps stickiness on the listener as read', async () => {
    const { execution, outcome } = await env.run({ action: 'cutover', version: 'v2' });
    expect(output(outcome)).toMatchObject({ live: 'green', previous: 'blue' });
    const drain = execution.history.find((e) => e.type === 'StateEntered' && e.state === 'Drain');
    expect(drain && 'input' in drain ? drain.input : undefined).toMatchObject({
      switched: { drainSeconds: STICKY_SECONDS },
    });
    // The deregistration delay is 0: only the stickiness holds the drain open.
    const drained =
      at(execution.history, 'StateExited', 'Drain') - at(execution.history, 'StateExited', 'SwitchTraffic');
    expect(drained).toBeGreaterThanOrEqual(STICKY_SECONDS * 1000 - 200);
    expect(await stickinessOf()).toEqual({ Enabled: true, DurationSeconds: STICKY_SECONDS });
  });

  it('refuses to deploy to the old side while its sticky clients may still reach it, touching nothing', async () => {
    // The operator raised the stickiness: blue left a few seconds ago, its cookies last 60 s.
    await setStickiness({ Enabled: true, DurationSeconds: 60 });
    const before = env.router.writes().length;
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v3' })).outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.message).toMatch(
        /blue stopped receiving traffic \d+ s ago and its requests may take up to 60 s/,
      );
      expect(cause.message).toContain(
        `the 60 s target-group stickiness of listener ${env.fixture.listenerArn}`,
      );
      expect(env.router.writes().slice(before)).toEqual([]);
      expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    } finally {
      await setStickiness({ Enabled: true, DurationSeconds: STICKY_SECONDS });
    }
  });

  it('refuses a stickiness longer than the longest drain before anything moves', async () => {
    await setStickiness({ Enabled: true, DurationSeconds: 7200 });
    const before = env.router.writes().length;
    const asRead = await describeRouteActions(env.moto.endpoint, listener());
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v3' })).outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.field).toBe('traffic.listenerArn');
      expect(cause.message).toContain(
        `listener ${env.fixture.listenerArn} has target-group stickiness of 7200 s (TargetGroupStickinessConfig.DurationSeconds), longer than the longest drain the workflow waits (3600 s)`,
      );
      expect(cause.message).toContain('Lower DurationSeconds to at most 3600 or turn stickiness off');
      expect(env.router.writes().slice(before)).toEqual([]);
      expect(await describeRouteActions(env.moto.endpoint, listener())).toEqual(asRead);
    } finally {
      await setStickiness({ Enabled: true, DurationSeconds: STICKY_SECONDS });
    }
  });

  it('turns stickiness off when an alarm rolls back, and says so', async () => {
    const alarm = env.router.alarmNames[0]!;
    const execution = env.start({ action: 'cutover', version: 'v4' });
    await waitFor(async () => (await env.weights()).blue === 100);
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: 'green' });
      expect(cause.message).toContain(
        `target-group stickiness was turned off on listener ${env.fixture.listenerArn} (${STICKY_SECONDS} s) so that sticky clients came back to green at once; turn it back on`,
      );
      expect(await env.weights()).toEqual({ blue: 0, green: 100 });
      // Off, the duration kept: turning it back on is one flag.
      expect(await stickinessOf()).toEqual({ Enabled: false, DurationSeconds: STICKY_SECONDS });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('keeps stickiness off on the next release, as the operator left it', async () => {
    const { execution, outcome } = await env.run({ action: 'cutover', version: 'v5' });
    expect(output(outcome)).toMatchObject({ live: 'blue' });
    expect(await stickinessOf()).toEqual({ Enabled: false, DurationSeconds: STICKY_SECONDS });
    const drain = execution.history.find((e) => e.type === 'StateEntered' && e.state === 'Drain');
    expect(drain && 'input' in drain ? drain.input : undefined).toMatchObject({
      switched: { drainSeconds: 0 },
    });
  });

  it('turns stickiness off on a rollback from the console, and says so in the result', async () => {
    await setStickiness({ Enabled: true, DurationSeconds: STICKY_SECONDS });
    const { execution, outcome } = await env.run({ action: 'rollback', reason: 'sticky users see errors' });
    const out = output(outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'green' });
    expect(JSON.stringify(out.warnings)).toContain(
      `target-group stickiness was turned off on listener ${env.fixture.listenerArn}`,
    );
    expect(await stickinessOf()).toEqual({ Enabled: false, DurationSeconds: STICKY_SECONDS });
    // Nothing holds clients on blue any more: the drain is the deregistration delay alone.
    const drain = execution.history.find((e) => e.type === 'StateEntered' && e.state === 'Drain');
    expect(drain && 'input' in drain ? drain.input : undefined).toMatchObject({
      switched: { drainSeconds: 0 },
    });
  });
});
