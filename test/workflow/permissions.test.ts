import { callerId, type SynthesizedFunction } from '../../local';
import { functionOf, itChecksLeastPrivilege } from './iam-checks';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * moto does not enforce IAM. These scenarios drive every handler through the paths that call AWS
 * (cutover with a deploy hook, bake, drain, abort, automatic and console rollback, a rollback that
 * joins a bake, a stopped execution), record every request each function sent, and check it against
 * that function's synthesized policy as IAM would.
 */

const env = useOfflineEnvironment(
  {
    service: 'iam-check',
    bakeSeconds: 2,
    healthTimeoutSeconds: 10,
    initialMs: 300,
    deployHook: () => ({ status: 'SUCCEEDED' }),
  },
  async (ready) => {
    const alarm = ready.fixture.alarmNames[0] ?? '';
    const switched = async (to: 'blue' | 'green') => waitFor(async () => (await ready.weights())[to] === 100);

    // Cutover, console rollback, cutover again: the happy paths with bake and drain.
    // Live after each: green, blue, green; the comments below say where traffic goes next.
    output((await ready.run({ action: 'cutover', version: 'v2' })).outcome);
    output((await ready.run({ action: 'rollback', reason: 'check' })).outcome);
    output((await ready.run({ action: 'cutover', version: 'v3' })).outcome);
    // An alarm already firing: Abort before the switch.
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure((await ready.run({ action: 'cutover', version: 'v4' })).outcome).error).toBe(
      'AlarmFiring',
    );
    // An alarm during the bake: the automatic Rollback.
    await ready.setAlarm(alarm, 'OK');
    const alarmed = ready.start({ action: 'cutover', version: 'v5' });
    await switched('blue');
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure(await alarmed.result).error).toBe('RolledBack');
    await ready.setAlarm(alarm, 'OK');
    // A console rollback that joins a baking cutover (AwaitRollback).
    const baking = ready.start({ action: 'cutover', version: 'v6' });
    await switched('blue');
    output((await ready.run({ action: 'rollback' })).outcome);
    expect(failure(await baking.result).error).toBe('RolledBack');
    // A second cutover while one runs: Abort before ResolveRoles.
    const running = ready.start({ action: 'cutover', version: 'v7' });
    await switched('blue');
    expect(failure((await ready.run({ action: 'cutover', version: 'v8' })).outcome).error).toBe(
      'CutoverInProgress',
    );
    output(await running.result);
    // A step that fails after the switch: Rollback writes the listener itself.
    const watch = fn('Watch');
    const removeFault = ready.aws.injectFault({
      service: 'monitoring',
      operation: 'DescribeAlarms',
      caller: callerId(watch),
      code: 'AccessDeniedException',
    });
    const broken = ready.start({ action: 'cutover', version: 'v9' });
    await switched('green');
    expect(failure(await broken.result).error).toBe('RolledBack');
    removeFault();
    // Both sides sick during a bake: RollbackFailed, counted in the metric.
    const sick = ready.start({ action: 'cutover', version: 'v10' });
    await switched('green');
    ready.setSideHealth('green', 'unhealthy');
    ready.setSideHealth('blue', 'unhealthy');
    expect(failure(await sick.result).error).toBe('RollbackFailed');
    ready.aws.clearTargetHealth();
    // A cutover stopped after its switch (OnExecutionEnded), once with the previous side sick.
    for (const sickPrevious of [false, true]) {
      const live = (await ready.weights()).blue === 100 ? 'blue' : 'green';
      const next = live === 'blue' ? 'green' : 'blue';
      const stopped = ready.start({ action: 'cutover', version: `v11-${sickPrevious}` });
      await switched(next);
      if (sickPrevious) ready.setSideHealth(live, 'unhealthy');
      await stopped.stop();
      await stopped.statusEvents;
      ready.aws.clearTargetHealth();
    }
  },
);

const fn = (step: string): SynthesizedFunction => functionOf(env, step);

describe('IAM: every SDK call a handler makes is allowed by its synthesized policy', () => {
  itChecksLeastPrivilege(env);
});
