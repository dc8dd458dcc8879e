import { denyCallsOf, failure, output, useOfflineEnvironment, waitFor } from './support';

const env = useOfflineEnvironment({
  service: 'cutover-paths',
  bakeSeconds: 2,
  healthTimeoutSeconds: 4,
  initialMs: 1000,
});

describe('workflow: before any release', () => {
  it.each([
    [{}, 'action'],
    [{ action: 'promote', version: 'v2' }, 'action'],
    [{ action: 'cutover' }, 'version'],
    [{ action: 'cutover', version: 'not a tag' }, 'version'],
    [{ action: 'cutover', version: 'v2', dryRun: 'true' }, 'dryRun'],
    [
      {
        action: 'cutover',
        version: 'v2',
        listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2',
      },
      'listenerArn',
    ],
  ])('rejects %j with InvalidInput naming %s, changing nothing', async (input, field) => {
    const { outcome } = await env.run(input);
    const { error, cause } = failure(outcome);
    expect(error).toBe('InvalidInput');
    expect(cause.field).toBe(field);
    expect(cause.live).toBe('blue');
    expect(await env.weights()).toEqual({ blue: 100, green: null });
  });

  it('refuses a rollback with no release in the history', async () => {
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.live).toBe('blue');
  });

  it('plans a dry run without touching anything, not even the weight-0 attach', async () => {
    const out = output((await env.run({ action: 'cutover', version: 'v2', dryRun: true })).outcome);
    expect(out).toMatchObject({ action: 'cutover', live: 'blue', dryRun: true, version: 'v2' });
    expect(JSON.stringify(out.plan)).toContain('not health-checked');
    expect(await env.weights()).toEqual({ blue: 100, green: null });
  });

  it('ends a dry run whose Finalize fails as CutoverFailed, without a rollback', async () => {
    const removeFault = denyCallsOf(env, 'Finalize', {
      service: 'dynamodb',
      operation: 'DeleteItem',
      action: 'dynamodb:DeleteItem',
    });
    try {
      const { execution, outcome } = await env.run({ action: 'cutover', version: 'v2', dryRun: true });
      const { error, cause } = failure(outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.message).toMatch(/step Finalize failed: .*not authorized/);
      const entered = execution.history.flatMap((e) => (e.type === 'StateEntered' ? [e.state] : []));
      expect(entered).toContain('Abort');
      expect(entered).not.toContain('Rollback');
      expect(await env.weights()).toEqual({ blue: 100, green: null });
    } finally {
      removeFault();
    }
  });

  it('fails with IdleNotHealthy when green never gets healthy, traffic untouched', async () => {
    env.setSideHealth('green', 'unhealthy');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v1-bad' })).outcome);
      expect(error).toBe('IdleNotHealthy');
      expect(cause.message).toMatch(/green/);
      expect(cause).toMatchObject({ live: 'blue', version: 'v1-bad' });
      // green was attached at weight 0 so the ALB health-checks it; it got no traffic.
      expect(await env.weights()).toEqual({ blue: 100, green: 0 });
    } finally {
      env.aws.clearTargetHealth(env.targetGroupOf('green'));
    }
  });

  it('fails with AlarmFiring when an alarm is in ALARM before the switch', async () => {
    const alarm = env.fixture.alarmNames[1]!;
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v2' })).outcome);
      expect(error).toBe('AlarmFiring');
      expect(cause).toMatchObject({ alarm, live: 'blue' });
      expect((await env.weights()).blue).toBe(100);
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });
});

describe('workflow: releases', () => {
  it('releases v2 to green: all traffic moves at once, blue stays warm at weight 0', async () => {
    const { outcome, execution } = await env.run({ action: 'cutover', version: 'v2' });
    expect(output(outcome)).toMatchObject({
      action: 'cutover',
      live: 'green',
      previous: 'blue',
      version: 'v2',
    });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
    expect(execution.transitions()).toBeLessThan(30);
  });

  it('refuses a second cutover while one runs, with CutoverInProgress', async () => {
    const first = env.start({ action: 'cutover', version: 'v3' });
    await waitFor(async () =>
      first.history.some((e) => e.type === 'StateEntered' && e.state === 'ResolveRoles'),
    );
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v3-again' })).outcome);
    expect(error).toBe('CutoverInProgress');
    expect(cause.message).toContain(first.executionArn);
    // The first one is unaffected and alternates colors: v3 goes to blue.
    expect(output(await first.result)).toMatchObject({ live: 'blue', previous: 'green', version: 'v3' });
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('plans a rollback dry run without moving traffic', async () => {
    const out = output((await env.run({ action: 'rollback', dryRun: true })).outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'blue', dryRun: true, version: 'v2' });
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('rolls back from the console to the previous known-good side', async () => {
    const out = output((await env.run({ action: 'rollback', reason: 'p99 after release' })).outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'green', previous: 'blue', version: 'v2' });
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('refuses to roll back a second time: the side it would go to was rolled back', async () => {
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.live).toBe('green');
  });

  it('refuses to roll back across a contract release unless forced', async () => {
    output((await env.run({ action: 'cutover', version: 'v5', schemaChange: 'contract' })).outcome);
    const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
    expect(cause.message).toMatch(/contract/);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
    const forced = output((await env.run({ action: 'rollback', force: true })).outcome);
    expect(forced).toMatchObject({ live: 'green' });
  });
});
