import { callerId, type SynthesizedFunction } from '../../local';
import { requiredPermissions } from '../../local/iam/permissions';
import { ACCOUNT } from '../../local/offline/environment';
import type { LambdaAliasTrafficFixture } from '../../local/offline/traffic';
import { functionOf, itChecksLeastPrivilege } from './iam-checks';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * The IAM check of permissions.test.ts for the lambda-alias router with a lambda-version deploy:
 * every path that calls AWS (first release creating blue's helper alias, code from S3, publish,
 * smoke tests, bake, drain, abort, automatic and console rollback, a joined rollback, a stopped
 * execution), every recorded request checked against its function's synthesized policy.
 */

const env = useOfflineEnvironment(
  {
    service: 'iam-lambda',
    traffic: 'lambda-alias',
    trafficExtra: { healthCheck: { payload: { smoke: true } } },
    deploy: {
      type: 'lambda-version',
      code: { s3Bucket: 'iam-lambda-builds', s3Key: 'builds/{version}.zip' },
    },
    bakeSeconds: 2,
    healthTimeoutSeconds: 10,
  },
  async (ready) => {
    const lambda = ready.router as LambdaAliasTrafficFixture;
    const alarm = ready.router.alarmNames[0] ?? '';
    const switched = async (to: 'blue' | 'green') => waitFor(async () => (await ready.weights())[to] === 100);
    const release = async (version: string) => {
      await lambda.uploadBuild(version);
      return { action: 'cutover', version };
    };

    // The first release creates blue's helper alias (Attach), then cutover, console rollback, cutover.
    await lambda.setHelper('blue', undefined);
    output((await ready.run(await release('v2'))).outcome);
    output((await ready.run({ action: 'rollback', reason: 'check' })).outcome);
    output((await ready.run(await release('v3'))).outcome);
    // An alarm already firing: Abort before the switch.
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure((await ready.run(await release('v4'))).outcome).error).toBe('AlarmFiring');
    // An alarm during the bake: the automatic Rollback.
    await ready.setAlarm(alarm, 'OK');
    const alarmed = ready.start(await release('v5'));
    await switched('blue');
    await ready.setAlarm(alarm, 'ALARM');
    expect(failure(await alarmed.result).error).toBe('RolledBack');
    await ready.setAlarm(alarm, 'OK');
    // A console rollback that joins a baking cutover (AwaitRollback).
    const baking = ready.start(await release('v6'));
    await switched('blue');
    output((await ready.run({ action: 'rollback' })).outcome);
    expect(failure(await baking.result).error).toBe('RolledBack');
    // A second cutover while one runs: Abort before ResolveRoles.
    const running = ready.start(await release('v7'));
    await switched('blue');
    expect(failure((await ready.run(await release('v8'))).outcome).error).toBe('CutoverInProgress');
    output(await running.result);
    // A step that fails after the switch: Rollback writes the router itself.
    const watch = fn('Watch');
    const removeFault = ready.aws.injectFault({
      service: 'monitoring',
      operation: 'DescribeAlarms',
      caller: callerId(watch),
      code: 'AccessDeniedException',
    });
    const broken = ready.start(await release('v9'));
    await switched('green');
    expect(failure(await broken.result).error).toBe('RolledBack');
    removeFault();
    // Both sides sick during a bake: RollbackFailed.
    const sick = ready.start(await release('v10'));
    await switched('green');
    ready.setSideHealth('green', 'unhealthy');
    ready.setSideHealth('blue', 'unhealthy');
    expect(failure(await sick.result).error).toBe('RollbackFailed');
    ready.clearSideHealth();
    // A cutover stopped after its switch (OnExecutionEnded), once with the previous side sick.
    for (const sickPrevious of [false, true]) {
      const live = (await ready.weights()).blue === 100 ? 'blue' : 'green';
      const next = live === 'blue' ? 'green' : 'blue';
      const stopped = ready.start(await release(`v11-${sickPrevious}`));
      await switched(next);
      if (sickPrevious) ready.setSideHealth(live, 'unhealthy');
      await stopped.stop();
      await stopped.statusEvents;
      ready.clearSideHealth();
    }
  },
);

const fn = (step: string): SynthesizedFunction => functionOf(env, step);

describe('IAM (lambda-alias, lambda-version): every SDK call a handler makes is allowed by its synthesized policy', () => {
  itChecksLeastPrivilege(env);

  it('saw the lambda-alias calls by their IAM names, each on its alias or the function', () => {
    const lambdaCalls = env.aws.calls.filter((c) => c.service === 'lambda' && c.caller !== undefined);
    const needs = lambdaCalls.flatMap((c) => requiredPermissions(c, { partition: 'aws', account: ACCOUNT }));
    const tail = (arn: string) =>
      arn
        .split(':')
        .slice(5)
        .join(':')
        .replace(/builds\/[^/]+\.zip$/, 'builds/<version>.zip');
    const seen = new Set(needs.map((n) => `${n.action} ${tail(n.resource)}`));
    expect([...seen].sort()).toEqual(
      [
        'lambda:CreateAlias function:iam-lambda:blue',
        'lambda:CreateAlias function:iam-lambda:green',
        'lambda:GetAlias function:iam-lambda:blue',
        'lambda:GetAlias function:iam-lambda:green',
        'lambda:GetAlias function:iam-lambda:live',
        'lambda:GetFunctionConfiguration function:iam-lambda',
        'lambda:GetFunctionConfiguration function:iam-lambda:blue',
        'lambda:GetFunctionConfiguration function:iam-lambda:green',
        'lambda:InvokeFunction function:iam-lambda:blue',
        'lambda:InvokeFunction function:iam-lambda:green',
        'lambda:PublishVersion function:iam-lambda',
        'lambda:UpdateAlias function:iam-lambda:blue',
        'lambda:UpdateAlias function:iam-lambda:green',
        'lambda:UpdateAlias function:iam-lambda:live',
        'lambda:UpdateFunctionCode function:iam-lambda',
        's3:GetObject iam-lambda-builds/builds/<version>.zip',
      ].sort(),
    );
  });
});
