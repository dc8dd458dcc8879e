import { failure, output, useOfflineEnvironment, waitFor } from './support';

/** Drains long enough to stop an execution in the middle of one. */
const DRAIN_SECONDS = 8;

const env = useOfflineEnvironment({
  service: 'stop-paths',
  bakeSeconds: 2,
  healthTimeoutSeconds: 10,
  deregistrationDelaySeconds: DRAIN_SECONDS,
  initialMs: 500,
});

describe('workflow: stopping a rollback', () => {
  it('leaves traffic where a stopped rollback put it, frees the lease and keeps the undone release spoiled', async () => {
    // Two good releases: v1 to green, then v2 back to blue.
    expect(output((await env.run({ action: 'cutover', version: 'v1' })).outcome)).toMatchObject({
      live: 'green',
    });
    expect(output((await env.run({ action: 'cutover', version: 'v2' })).outcome)).toMatchObject({
      live: 'blue',
    });

    // v2 looks bad: roll back to green, and stop the rollback while it drains blue.
    const rollback = env.start({ action: 'rollback', reason: 'v2 looks bad' });
    await waitFor(async () => (await env.weights()).green === 100);
    await rollback.stop();
    expect(rollback.status).toBe('ABORTED');

    // The stop cleanup ran (the rule delivered the status change) and left green live.
    expect(await env.weights()).toMatchObject({ green: 100, blue: 0 });
    // The lease is free, and v2 on blue counts as rolled back: a second rollback does not return to it.
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.message).toMatch(/blue is no longer known good/);
  });
});
