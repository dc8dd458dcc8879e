import { DeregisterTargetsCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbv2Client } from '../../local/fixtures';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * Rollback capacity: while a side takes no traffic, target tracking may scale it in. Going back to
 * it then sends all traffic to a smaller fleet: an automatic rollback still restores and says so; a
 * console rollback is refused unless forced.
 */
const env = useOfflineEnvironment(
  { service: 'capacity', bakeSeconds: 4, healthTimeoutSeconds: 10, targetsPerSide: 3, initialMs: 300 },
  async (ready) => {
    output((await ready.run({ action: 'cutover', version: 'v1' })).outcome);
  },
);

const elb = () => elbv2Client(env.moto.endpoint);
const idsOf = (color: 'blue' | 'green') =>
  color === 'blue' ? env.fixture.blueTargetIds : env.fixture.greenTargetIds;

/** Scales `color` in to one target; answers the function that scales it back out (and waits until healthy). */
async function scaleIn(color: 'blue' | 'green'): Promise<() => Promise<void>> {
  const removed = idsOf(color)
    .slice(1)
    .map((Id) => ({ Id }));
  await elb().send(
    new DeregisterTargetsCommand({ TargetGroupArn: env.targetGroupOf(color), Targets: removed }),
  );
  return async () => {
    await elb().send(
      new RegisterTargetsCommand({ TargetGroupArn: env.targetGroupOf(color), Targets: removed }),
    );
    await env.aws.settle(env.targetGroupOf(color));
    await waitFor(async () =>
      (await env.aws.targetHealth(env.targetGroupOf(color))).every((t) => t.state === 'healthy'),
    );
  };
}

async function live(): Promise<'blue' | 'green'> {
  return (await env.weights()).blue === 100 ? 'blue' : 'green';
}

describe('workflow: rollback capacity', () => {
  it('an automatic rollback onto a side scaled in during the bake restores and names the shortfall', async () => {
    const previous = await live();
    const target = previous === 'blue' ? 'green' : 'blue';
    const execution = env.start({ action: 'cutover', version: 'v2' });
    await waitFor(async () => (await env.weights())[target] === 100);
    const scaleOut = await scaleIn(previous);
    const alarm = env.fixture.alarmNames[0]!;
    await env.setAlarm(alarm, 'ALARM');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause.live).toBe(previous);
      expect(cause.message).toMatch(
        new RegExp(
          `${previous} took all traffic back with 1 healthy target where ${target} had 3.*scale ${previous} up`,
        ),
      );
      expect(await env.weights()).toMatchObject({ [previous]: 100, [target]: 0 });
    } finally {
      await env.setAlarm(alarm, 'OK');
      await scaleOut();
    }
  });

  it('refuses a console rollback onto fewer healthy targets, and lets a forced one through', async () => {
    output((await env.run({ action: 'cutover', version: 'v3' })).outcome);
    const from = await live();
    const back = from === 'blue' ? 'green' : 'blue';
    const scaleOut = await scaleIn(back);
    try {
      const refused = failure((await env.run({ action: 'rollback' })).outcome);
      expect(refused.error).toBe('CutoverFailed');
      expect(refused.cause.message).toMatch(new RegExp(`${back} has 1 healthy target, ${from} has 3`));
      expect(refused.cause.message).toMatch(/"force": true/);
      expect(await env.weights()).toMatchObject({ [from]: 100, [back]: 0 });

      const forced = output((await env.run({ action: 'rollback', force: true })).outcome);
      expect(forced).toMatchObject({ action: 'rollback', live: back });
      expect(forced.warnings).toContainEqual(expect.stringMatching(/^capacity parity: /));
    } finally {
      await scaleOut();
    }
  });
});
