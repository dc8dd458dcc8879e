import { isAllowed, requiredPermissions } from '../../local/iam/permissions';
import { buildEcsWorld, type EcsWorld, ecsDeployConfig } from '../../local/offline/ecs/world';
import { ACCOUNT } from '../../local/offline/environment';
import { callsOf, functionOf } from './iam-checks';
import { failure, output, useOfflineEnvironment } from './support';

const service = 'ecs-api';
let world: EcsWorld;

const env = useOfflineEnvironment(
  {
    service,
    bakeSeconds: 2,
    healthTimeoutSeconds: 15,
    initialMs: 500,
    deploy: ecsDeployConfig(service),
  },
  async (e) => {
    world = await buildEcsWorld(e.aws.endpoint, service, e.fixture);
  },
);

describe('workflow: deploy to an ECS service (ecs-service)', () => {
  it('rolls the version out to the idle service with the live one s count, then switches traffic', async () => {
    const { outcome } = await env.run({ action: 'cutover', version: '2026.12.02-1' });

    expect(output(outcome)).toMatchObject({ live: 'green', previous: 'blue', version: '2026.12.02-1' });
    const green = await world.describe('green');
    expect(green.desiredCount).toBe((await world.describe('blue')).desiredCount);
    expect(await world.imageOf(green.taskDefinition)).toMatch(/\/ecs-api:2026\.12\.02-1$/);
    expect(await env.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('alternates: the next release goes to blue, copied from green s revision', async () => {
    const { outcome } = await env.run({ action: 'cutover', version: 'v3' });

    expect(output(outcome)).toMatchObject({ live: 'blue', previous: 'green', version: 'v3' });
    const blue = await world.describe('blue');
    expect(await world.imageOf(blue.taskDefinition)).toMatch(/:v3$/);
    // Green keeps the previous release, warm.
    expect(await world.imageOf((await world.describe('green')).taskDefinition)).toMatch(/:2026\.12\.02-1$/);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('fails DeployFailed when the image is broken (rollout FAILED); traffic untouched', async () => {
    env.aws.ecs.setImageBehaviour('broken-1', 'failed');

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'broken-1' })).outcome);

    expect(error).toBe('DeployFailed');
    expect(cause).toMatchObject({ live: 'blue', version: 'broken-1' });
    expect(cause.message).toMatch(/ecs-api-green.*rollout FAILED: tasks failed to start/);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('fails DeployFailed when the deployment circuit breaker rolls back; traffic untouched', async () => {
    env.aws.ecs.setImageBehaviour('crashing-1', 'circuit-breaker');

    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'crashing-1' })).outcome);

    expect(error).toBe('DeployFailed');
    expect(cause.message).toMatch(/rolled back: ECS deployment circuit breaker/);
    expect(await world.imageOf((await world.describe('green')).taskDefinition)).not.toMatch(/crashing-1/);
    expect(await env.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('releases again after the failures, to the same idle side', async () => {
    const { outcome } = await env.run({ action: 'cutover', version: 'v4' });

    expect(output(outcome)).toMatchObject({ live: 'green', previous: 'blue', version: 'v4' });
    expect(await world.imageOf((await world.describe('green')).taskDefinition)).toMatch(/:v4$/);
  });

  it('made every ECS call (and passed every role) within the Deploy function s synthesized policy, using all of it', () => {
    const deploy = functionOf(env, 'Deploy');
    const needs = callsOf(env, deploy).flatMap((call) =>
      requiredPermissions(call, { partition: 'aws', account: ACCOUNT }),
    );
    const ecsNeeds = needs.filter((n) => n.action.startsWith('ecs:') || n.action === 'iam:PassRole');

    expect(ecsNeeds.filter((n) => !isAllowed(deploy.role.statements, n))).toEqual([]);
    expect(new Set(ecsNeeds.map((n) => n.action))).toEqual(
      new Set([
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:RegisterTaskDefinition',
        'ecs:UpdateService',
        'iam:PassRole',
      ]),
    );
    const held = deploy.role.statements.flatMap((st) => st.Action).filter((a) => !a.startsWith('xray:'));
    expect(held.filter((a) => !ecsNeeds.some((n) => n.action === a))).toEqual([]);
    // Another service of the cluster, or another role, is not within the policy.
    const stranger = `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${service}-cluster/someone-elses`;
    expect(
      isAllowed(deploy.role.statements, { action: 'ecs:UpdateService', resource: stranger, context: {} }),
    ).toBe(false);
    const role = `arn:aws:iam::${ACCOUNT}:role/admin`;
    expect(
      isAllowed(deploy.role.statements, {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      }),
    ).toBe(false);
  });
});

describe('workflow: ecs-service with an idle service scaled down to 0', () => {
  const scaled = 'ecs-cold';
  let cold: EcsWorld;
  const coldEnv = useOfflineEnvironment(
    {
      service: scaled,
      bakeSeconds: 2,
      healthTimeoutSeconds: 15,
      initialMs: 500,
      deploy: ecsDeployConfig(scaled),
    },
    async (e) => {
      cold = await buildEcsWorld(e.aws.endpoint, scaled, e.fixture, { idleDesiredCount: 0 });
    },
  );

  it('scales the idle service up to the live one s desired count, waits for its targets, switches', async () => {
    expect((await cold.describe('green')).desiredCount).toBe(0);

    const { outcome } = await coldEnv.run({ action: 'cutover', version: 'v2' });

    expect(output(outcome)).toMatchObject({ live: 'green', version: 'v2' });
    expect((await cold.describe('green')).desiredCount).toBe(2);
    const healthy = await coldEnv.aws.targetHealth(coldEnv.fixture.greenTargetGroupArn);
    expect(healthy.map((t) => t.state)).toEqual(['healthy', 'healthy']);
    expect(await coldEnv.weights()).toEqual({ blue: 0, green: 100 });
  });
});
