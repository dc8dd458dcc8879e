import { ModifyTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbv2Client } from '../../local/fixtures';
import { denyCallsOf, failure, output, useOfflineEnvironment, waitFor } from './support';

const env = useOfflineEnvironment(
  {
    service: 'bake-paths',
    bakeSeconds: 6,
    healthTimeoutSeconds: 10,
    initialMs: 1000,
  },
  async (ready) => {
    // A first release so that there is a known-good side to return to.
    output((await ready.run({ action: 'cutover', version: 'v1' })).outcome);
  },
);

/** Starts a cutover and resolves once its switch is visible on the listener. */
async function cutoverUntilSwitched(version: string) {
  const before = await env.weights();
  const target = before.blue === 100 ? 'green' : 'blue';
  const execution = env.start({ action: 'cutover', version });
  await waitFor(async () => (await env.weights())[target] === 100);
  return { execution, target, previous: target === 'blue' ? 'green' : 'blue' } as const;
}

describe('workflow: the bake', () => {
  it('rolls back by itself when an alarm fires during the bake, within about a second', async () => {
    const { execution, previous } = await cutoverUntilSwitched('v2-alarm');
    const alarm = env.fixture.alarmNames[0]!;
    const firedAt = Date.now();
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: previous, version: 'v2-alarm' });
      const restored = env.aws.routerWrites.find(
        (w) => w.at >= firedAt && w.weights[env.targetGroupOf(previous)] === 100,
      );
      expect(restored).toBeDefined();
      expect(await env.weights()).toMatchObject({ [previous]: 100 });
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('rolls back when the new side goes unhealthy during the bake', async () => {
    const { execution, target, previous } = await cutoverUntilSwitched('v3-sick');
    env.aws.setTargetHealth(
      env.targetGroupOf(target),
      (target === 'blue' ? env.fixture.blueTargetIds : env.fixture.greenTargetIds)[0]!,
      'unhealthy',
    );
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.message).toMatch(new RegExp(`${target} went unhealthy`));
      expect(cause.live).toBe(previous);
      expect(await env.weights()).toMatchObject({ [previous]: 100, [target]: 0 });
    } finally {
      env.aws.clearTargetHealth(env.targetGroupOf(target));
    }
  });

  it('refuses a rollback after a failed release: that side is no longer known good', async () => {
    const { error } = failure((await env.run({ action: 'rollback' })).outcome);
    expect(error).toBe('NothingToRollBack');
  });

  it('a rollback started during the bake joins the cutover: it succeeds, the cutover fails RolledBack', async () => {
    const { execution, previous } = await cutoverUntilSwitched('v4');
    const { outcome } = await env.run({ action: 'rollback', reason: 'looks wrong' });
    expect(output(outcome)).toMatchObject({
      action: 'rollback',
      live: previous,
      joined: execution.executionArn,
    });
    const { error, cause } = failure(await execution.result);
    expect(error).toBe('RolledBack');
    expect(cause.message).toMatch(/rollback requested/);
    expect(await env.weights()).toMatchObject({ [previous]: 100 });
  });

  it('stopping a cutover after its switch rolls it back and releases the lease', async () => {
    const { execution, previous, target } = await cutoverUntilSwitched('v5-stopped');
    await execution.stop();
    expect(execution.status).toBe('ABORTED');
    expect(await env.weights()).toMatchObject({ [previous]: 100, [target]: 0 });
    // The lease is free again: the next release runs at once instead of waiting for the lease to expire.
    expect(output((await env.run({ action: 'cutover', version: 'v6' })).outcome)).toMatchObject({
      live: target,
    });
  });

  it('rolls back when a step fails after the switch (here the bake cannot read the alarms)', async () => {
    const removeFault = denyCallsOf(env, 'Watch', {
      service: 'monitoring',
      operation: 'DescribeAlarms',
      action: 'cloudwatch:DescribeAlarms',
    });
    try {
      const { execution, target, previous } = await cutoverUntilSwitched('v7-blind');
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.message).toMatch(/step Bake failed after the switch: .*not authorized/);
      expect(cause.live).toBe(previous);
      expect(await env.weights()).toMatchObject({ [previous]: 100, [target]: 0 });
    } finally {
      removeFault();
    }
  });

  it('ends in RollbackFailed, counted, when the previous side is not healthy either', async () => {
    const { execution, target, previous } = await cutoverUntilSwitched('v8-both-sick');
    const alarm = env.fixture.alarmNames[0]!;
    env.setSideHealth(previous, 'unhealthy');
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RollbackFailed');
      expect(cause).toMatchObject({ alarm, live: target, previous });
      expect(cause.message).toMatch(new RegExp(`${previous} is not fully healthy.*An operator must`));
      // Traffic stays where it is rather than moving to a sick side.
      expect(await env.weights()).toMatchObject({ [target]: 100, [previous]: 0 });
      const counted = env.metrics.filter((m) => m.name === 'RollbackFailed');
      expect(counted.map((m) => m.namespace)).toContain('BlueGreenCutover');
    } finally {
      env.aws.clearTargetHealth();
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('refuses to deploy to a side that left traffic less than its deregistration delay ago', async () => {
    const elb = elbv2Client(env.moto.endpoint);
    const { execution, target } = await cutoverUntilSwitched('v9-bounced');
    await execution.stop();
    // Requests to `target` may take up to 120 s: it left traffic a moment ago.
    const setDelay = (seconds: number) =>
      elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: env.targetGroupOf(target),
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(seconds) }],
        }),
      );
    await setDelay(120);
    try {
      const before = await env.weights();
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v10' })).outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.message).toMatch(
        new RegExp(`${target} stopped receiving traffic \\d+ s ago .* up to 120 s`),
      );
      expect(cause.message).toMatch(/retry after \d{4}-\d\d-\d\dT/);
      expect(await env.weights()).toEqual(before);
    } finally {
      await setDelay(0);
    }
  });

  it('keeps a healthy bake going when Lambda throttles it, instead of rolling back', async () => {
    const removeFault = env.workflow.injectTaskFault('Bake', {
      error: 'Lambda.TooManyRequestsException',
      message: 'Rate Exceeded.',
      times: 3,
    });
    try {
      const { execution, target } = await cutoverUntilSwitched('v10-throttled');
      expect(output(await execution.result)).toMatchObject({ live: target });
      const retries = execution.history.filter((e) => e.type === 'StateRetried' && e.state === 'Bake');
      expect(retries).toHaveLength(3);
    } finally {
      removeFault();
    }
  });

  it('still ends RolledBack when Lambda throttles the Rollback step during an incident', async () => {
    const removeFault = env.workflow.injectTaskFault('Rollback', {
      error: 'Lambda.TooManyRequestsException',
      message: 'Rate Exceeded.',
      times: 3,
    });
    const { execution, previous } = await cutoverUntilSwitched('v11-incident');
    const alarm = env.fixture.alarmNames[0]!;
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: previous });
      expect(await env.weights()).toMatchObject({ [previous]: 100 });
    } finally {
      removeFault();
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('cleans up after a Rollback step that crashed: counted, announced, and the lease is free again', async () => {
    const removeFault = env.workflow.injectTaskFault('Rollback', {
      error: 'Error',
      message: 'the rollback step crashed',
      times: 3,
    });
    const { execution, previous } = await cutoverUntilSwitched('v12-crash');
    const alarm = env.fixture.alarmNames[0]!;
    const counted = env.metrics.filter((m) => m.name === 'RollbackFailed').length;
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error } = failure(await execution.result);
      expect(error).toBe('RollbackFailed');
      await execution.statusEvents;
      // The bake had already put traffic back; the cleanup counts the crash for the RollbackFailed alarm.
      expect(await env.weights()).toMatchObject({ [previous]: 100 });
      expect(env.metrics.filter((m) => m.name === 'RollbackFailed')).toHaveLength(counted + 1);
    } finally {
      removeFault();
      await env.setAlarm(alarm, 'OK');
    }
    // The next release does not wait hours for the crashed execution's lease to expire.
    expect(output((await env.run({ action: 'cutover', version: 'v13' })).outcome)).toMatchObject({
      action: 'cutover',
    });
  });
});
