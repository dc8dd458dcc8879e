import { callerId, type SynthesizedFunction } from '../../local';
import { isAllowed, requiredPermissions } from '../../local/iam/permissions';
import { ACCOUNT } from '../../local/offline/environment';
import { callsOf, functionOf, itChecksLeastPrivilege } from './iam-checks';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * The IAM check of permissions.test.ts for the `route53-weighted` router: the same paths (cutover
 * with a deploy hook, bake, drain, abort, automatic and console rollback, a rollback that joins a
 * bake, a stopped execution) through two weighted records, blue's target group in us-east-1 and
 * green's in us-west-2. Every Route 53 call is checked with its condition keys (the record names,
 * types and actions of each batch) against the function's synthesized policy.
 *
 * Both records always exist, so the Attach step returns before any call: it holds no grant.
 */

const env = useOfflineEnvironment(
  {
    service: 'iam-r53',
    traffic: 'route53-weighted',
    bakeSeconds: 2,
    healthTimeoutSeconds: 10,
    initialMs: 300,
    deployHook: () => ({ status: 'SUCCEEDED' }),
  },
  async (ready) => {
    const alarm = ready.router.alarmNames[0] ?? '';
    // Waits for the switch; if the execution ends first, fails with its outcome.
    const switched = async (to: 'blue' | 'green', execution?: { result: Promise<unknown> }) => {
      let ended: unknown;
      void execution?.result.then((outcome) => {
        ended = outcome;
      });
      await waitFor(async () => {
        if (ended !== undefined && (await ready.weights())[to] !== 100) {
          throw new Error(`the execution ended before the switch to ${to}: ${JSON.stringify(ended)}`);
        }
        return (await ready.weights())[to] === 100;
      });
    };
    // After a rollback, resolvers keep the old side's answer for the TTL (1 s): the next cutover to
    // that side would be refused until then (the drain).
    const ttlPassed = () => new Promise((r) => setTimeout(r, 1500));

    // Cutover, console rollback, cutover again: the happy paths with bake and drain.
    // Live after each: green, blue, green; the comments below say where traffic goes next.
    output((await ready.run({ action: 'cutover', version: 'v2' })).outcome);
    output((await ready.run({ action: 'rollback', reason: 'check' })).outcome);
    await ttlPassed();
    output((await ready.run({ action: 'cutover', version: 'v3' })).outcome);
    // An alarm already firing: Abort before the switch.
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure((await ready.run({ action: 'cutover', version: 'v4' })).outcome).error).toBe(
      'AlarmFiring',
    );
    // An alarm during the bake: the automatic Rollback.
    await ready.setAlarm(alarm, 'OK');
    const alarmed = ready.start({ action: 'cutover', version: 'v5' });
    await switched('blue', alarmed);
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure(await alarmed.result).error).toBe('RolledBack');
    await ready.setAlarm(alarm, 'OK');
    await ttlPassed();
    // A console rollback that joins a baking cutover (AwaitRollback).
    const baking = ready.start({ action: 'cutover', version: 'v6' });
    await switched('blue', baking);
    output((await ready.run({ action: 'rollback' })).outcome);
    expect(failure(await baking.result).error).toBe('RolledBack');
    // A second cutover while one runs: Abort before ResolveRoles.
    await ttlPassed();
    const running = ready.start({ action: 'cutover', version: 'v7' });
    await switched('blue', running);
    expect(failure((await ready.run({ action: 'cutover', version: 'v8' })).outcome).error).toBe(
      'CutoverInProgress',
    );
    output(await running.result);
    // A step that fails after the switch: Rollback writes the records itself.
    const watch = fn('Watch');
    const removeFault = ready.aws.injectFault({
      service: 'monitoring',
      operation: 'DescribeAlarms',
      caller: callerId(watch),
      code: 'AccessDeniedException',
    });
    const broken = ready.start({ action: 'cutover', version: 'v9' });
    await switched('green', broken);
    expect(failure(await broken.result).error).toBe('RolledBack');
    removeFault();
    await ttlPassed();
    // Both sides sick during a bake: RollbackFailed, counted in the metric.
    const sick = ready.start({ action: 'cutover', version: 'v10' });
    await switched('green', sick);
    ready.setSideHealth('green', 'unhealthy');
    ready.setSideHealth('blue', 'unhealthy');
    expect(failure(await sick.result).error).toBe('RollbackFailed');
    ready.clearSideHealth();
    // A cutover stopped after its switch (OnExecutionEnded), once with the previous side sick.
    for (const sickPrevious of [false, true]) {
      const live = (await ready.weights()).blue === 100 ? 'blue' : 'green';
      const next = live === 'blue' ? 'green' : 'blue';
      await ttlPassed();
      const stopped = ready.start({ action: 'cutover', version: `v11-${sickPrevious}` });
      await switched(next, stopped);
      if (sickPrevious) ready.setSideHealth(live, 'unhealthy');
      await stopped.stop();
      await stopped.statusEvents;
      ready.clearSideHealth();
    }
  },
);

const fn = (step: string): SynthesizedFunction => functionOf(env, step);

it('gives the Attach step no permission beyond tracing: it never calls anything for this router', () => {
  expect(
    fn('Attach')
      .role.statements.flatMap((st) => st.Action)
      .filter((a) => !a.startsWith('xray:')),
  ).toEqual([]);
});

describe('IAM (route53-weighted): every SDK call a handler makes is allowed by its synthesized policy', () => {
  itChecksLeastPrivilege(env);

  it('checked real change batches: the condition keys name the one record and CREATE/DELETE only', () => {
    const batches = env.workflow.wf.functions.flatMap((f) =>
      callsOf(env, f).filter((c) => c.operation === 'ChangeResourceRecordSets'),
    );
    expect(batches.length).toBeGreaterThan(0);
    const name = String(env.router.traffic.recordName);
    for (const call of batches) {
      const [need] = requiredPermissions(call, { partition: 'aws', account: ACCOUNT });
      expect(need?.context).toEqual({
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name],
        'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
        'route53:ChangeResourceRecordSetsActions': ['DELETE', 'CREATE'],
      });
    }
    // The same batch for another name is refused by the policy.
    const switcher = fn('SwitchTraffic');
    const [need] = requiredPermissions(batches[0]!, { partition: 'aws', account: ACCOUNT });
    const other = {
      ...need!,
      context: {
        ...need!.context,
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['www.example.com'],
      },
    };
    expect(isAllowed(switcher.role.statements, need!)).toBe(true);
    expect(isAllowed(switcher.role.statements, other)).toBe(false);
  });
});
