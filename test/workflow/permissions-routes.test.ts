import { callerId, type SynthesizedFunction } from '../../local';
import { callsOf, functionOf, itChecksLeastPrivilege } from './iam-checks';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * The IAM check of permissions.test.ts with `traffic.routes` configured (an HTTP:80 listener and a
 * `/api/*` rule switched with the listener): fewer paths (cutover, abort, automatic and console
 * rollback, a rollback that joins a bake, a failed step after the switch, a stopped execution), each
 * call checked against the function's synthesized policy, and every grant (ModifyRule on the rule
 * included) used.
 */

const env = useOfflineEnvironment(
  {
    service: 'iam-routes',
    albRoutes: true,
    bakeSeconds: 2,
    healthTimeoutSeconds: 10,
    initialMs: 300,
    deployHook: () => ({ status: 'SUCCEEDED' }),
  },
  async (ready) => {
    const alarm = ready.router.alarmNames[0] ?? '';
    // The listener is written last: once it moved, every route has.
    const switched = async (to: 'blue' | 'green') => waitFor(async () => (await ready.weights())[to] === 100);

    // Cutover (with the attach of every route), console rollback: live after each green, blue.
    output((await ready.run({ action: 'cutover', version: 'v2' })).outcome);
    output((await ready.run({ action: 'rollback', reason: 'check' })).outcome);
    // An alarm already firing: Abort before the switch.
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure((await ready.run({ action: 'cutover', version: 'v3' })).outcome).error).toBe(
      'AlarmFiring',
    );
    // An alarm during the bake: the Watch restores every route.
    await ready.setAlarm(alarm, 'OK');
    const alarmed = ready.start({ action: 'cutover', version: 'v4' });
    await switched('green');
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure(await alarmed.result).error).toBe('RolledBack');
    await ready.setAlarm(alarm, 'OK');
    // A console rollback that joins a baking cutover (AwaitRollback).
    const baking = ready.start({ action: 'cutover', version: 'v5' });
    await switched('green');
    output((await ready.run({ action: 'rollback' })).outcome);
    expect(failure(await baking.result).error).toBe('RolledBack');
    // A second cutover while one runs: Abort before ResolveRoles (it reads the router to name the live side).
    const running = ready.start({ action: 'cutover', version: 'v5b' });
    await switched('green');
    expect(failure((await ready.run({ action: 'cutover', version: 'v5c' })).outcome).error).toBe(
      'CutoverInProgress',
    );
    output(await running.result);
    // A step that fails after the switch: Rollback writes every route itself.
    const removeFault = ready.aws.injectFault({
      service: 'monitoring',
      operation: 'DescribeAlarms',
      caller: callerId(fn('Watch')),
      code: 'AccessDeniedException',
    });
    const broken = ready.start({ action: 'cutover', version: 'v6' });
    await switched('blue');
    expect(failure(await broken.result).error).toBe('RolledBack');
    removeFault();
    // A cutover stopped after its switch: OnExecutionEnded restores every route.
    const stopped = ready.start({ action: 'cutover', version: 'v7' });
    await switched('blue');
    await stopped.stop();
    await stopped.statusEvents;
  },
);

const fn = (step: string): SynthesizedFunction => functionOf(env, step);

describe('IAM with ALB routes: every SDK call is allowed, every grant used', () => {
  itChecksLeastPrivilege(env);

  it('wrote the rule and the HTTP listener from every step that writes the router', () => {
    expect(env.config.traffic).toMatchObject({
      routes: [{ listenerArn: expect.any(String) }, { ruleArn: expect.any(String) }],
    });
    const writers = ['Attach', 'SwitchTraffic', 'Watch', 'Rollback', 'OnExecutionEnded'];
    for (const step of writers) {
      const ops = new Set(callsOf(env, fn(step)).map((c) => c.operation));
      expect([step, ops.has('ModifyRule'), ops.has('ModifyListener')]).toEqual([step, true, true]);
    }
  });
});
