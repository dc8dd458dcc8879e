import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { DeployFailed, type RuntimeConfig } from '../../../lambdas/shared/contract';
import { EcsServiceDeployer, rolloutOf, withImageTag } from '../../../lambdas/shared/deploys/ecs-service';
import type { DeployRun } from '../../../lambdas/shared/deploys/port';
import { CONFIG, cutoverState, ROLES } from '../handlers/support';

const DEPLOY = {
  type: 'ecs-service',
  cluster: 'prod',
  blueService: 'orders-blue',
  greenService: 'orders-green',
  container: 'app',
  taskRoleArn: 'arn:aws:iam::123456789012:role/orders-task',
} as const;
const config: RuntimeConfig = { ...CONFIG, deploy: DEPLOY, healthTimeoutSeconds: 2, pollSeconds: 1 };
const LIVE_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders:7';
const IDLE_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders-green:3';
const NEW_TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/orders-green:4';

const ecs = mockClient(ECSClient);

function run(extra: Partial<DeployRun['state']> = {}): DeployRun {
  return {
    state: { ...cutoverState(extra), roles: ROLES },
    version: '2026.12.02-1',
    step: { name: 'Deploy', config, handBackAt: Date.now() + 10_000 },
    startedAt: new Date().toISOString(),
  };
}

function service(name: string, taskDefinition: string, desiredCount: number, extra: Partial<Service> = {}) {
  return { serviceName: name, status: 'ACTIVE', taskDefinition, desiredCount, ...extra };
}

const liveTaskDefinition: TaskDefinition = {
  taskDefinitionArn: LIVE_TD,
  family: 'orders',
  revision: 7,
  status: 'ACTIVE',
  cpu: '512',
  memory: '1024',
  taskRoleArn: DEPLOY.taskRoleArn,
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
  compatibilities: ['EC2'],
  registeredAt: new Date(),
  containerDefinitions: [
    { name: 'app', image: '1234.dkr.ecr.us-east-1.amazonaws.com/orders:2026.11.30-2', memory: 1024 },
    { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', memory: 128 },
  ],
};

beforeEach(() => {
  ecs.reset();
  ecs.on(DescribeServicesCommand, { services: ['orders-blue'] }).resolves({
    services: [service('orders-blue', LIVE_TD, 6)],
  });
  ecs.on(DescribeServicesCommand, { services: ['orders-green'] }).resolves({
    services: [service('orders-green', IDLE_TD, 0)],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: liveTaskDefinition });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW_TD } });
  ecs.on(UpdateServiceCommand).resolves({});
});

describe('withImageTag', () => {
  it.each([
    ['repo/orders:v1', 'repo/orders:v2'],
    ['repo/orders', 'repo/orders:v2'],
    ['registry:5000/orders', 'registry:5000/orders:v2'],
    ['registry:5000/orders:old', 'registry:5000/orders:v2'],
    ['repo/orders@sha256:abc', 'repo/orders:v2'],
  ])('sets the tag of %s: %s', (image, expected) => {
    expect(withImageTag(image, 'v2')).toBe(expected);
  });
});

describe('EcsServiceDeployer', () => {
  it('registers the live revision for the idle family with the new tag, everything else copied, and scales idle to live', async () => {
    const progress = await new EcsServiceDeployer(new ECSClient({}), config, DEPLOY).deploy(run());

    expect(progress).toMatchObject({ status: 'IN_PROGRESS', taskDefinitionArn: NEW_TD });
    const [register] = ecs.commandCalls(RegisterTaskDefinitionCommand);
    expect(register?.args[0].input).toEqual({
      family: 'orders-green',
      cpu: '512',
      memory: '1024',
      taskRoleArn: DEPLOY.taskRoleArn,
      containerDefinitions: [
        { name: 'app', image: '1234.dkr.ecr.us-east-1.amazonaws.com/orders:2026.12.02-1', memory: 1024 },
        { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', memory: 128 },
      ],
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'prod',
      service: 'orders-green',
      taskDefinition: NEW_TD,
      desiredCount: 6,
    });
  });

  it('never registers again once the revision is in the state; succeeds when the rollout completed', async () => {
    ecs.on(DescribeServicesCommand, { services: ['orders-green'] }).resolves({
      services: [
        service('orders-green', NEW_TD, 6, {
          deployments: [
            {
              status: 'PRIMARY',
              taskDefinition: NEW_TD,
              rolloutState: 'COMPLETED',
              runningCount: 6,
              desiredCount: 6,
            },
          ],
        }),
      ],
    });
    const state = {
      deploy: {
        startedAt: new Date().toISOString(),
        attempt: 1,
        status: 'IN_PROGRESS' as const,
        taskDefinitionArn: NEW_TD,
      },
    };

    const progress = await new EcsServiceDeployer(new ECSClient({}), config, DEPLOY).deploy(run(state));

    expect(progress).toMatchObject({ status: 'SUCCEEDED', taskDefinitionArn: NEW_TD, attempt: 2 });
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('refuses a container the live task definition does not have, naming deploy.container and what it has', async () => {
    const deployer = new EcsServiceDeployer(new ECSClient({}), config, { ...DEPLOY, container: 'web' });

    const error = await deployer.deploy(run()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeployFailed);
    expect((error as Error).message).toMatch(
      /deploy\.container \\?"web\\?" is not a container of .*orders:7.*app, envoy/,
    );
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('refuses a task role that is not the configured one (the deploy may pass only those)', async () => {
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { ...liveTaskDefinition, taskRoleArn: 'arn:aws:iam::123456789012:role/admin' },
    });

    const error = await new EcsServiceDeployer(new ECSClient({}), config, DEPLOY)
      .deploy(run())
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeployFailed);
    expect((error as Error).message).toMatch(
      /taskRoleArn arn:aws:iam::123456789012:role\/admin, but deploy\.taskRoleArn is/,
    );
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('fails DeployFailed when the rollout is still in progress after healthTimeoutSeconds', async () => {
    ecs.on(DescribeServicesCommand, { services: ['orders-green'] }).resolves({
      services: [
        service('orders-green', NEW_TD, 6, {
          deployments: [
            {
              status: 'PRIMARY',
              taskDefinition: NEW_TD,
              rolloutState: 'IN_PROGRESS',
              runningCount: 2,
              desiredCount: 6,
            },
          ],
        }),
      ],
    });
    const state = {
      deploy: {
        startedAt: new Date().toISOString(),
        attempt: 1,
        status: 'IN_PROGRESS' as const,
        taskDefinitionArn: NEW_TD,
      },
    };

    const error = await new EcsServiceDeployer(new ECSClient({}), config, DEPLOY)
      .deploy(run(state))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeployFailed);
    expect((error as Error).message).toMatch(
      /did not complete within 2 s \(healthTimeoutSeconds\): rollout IN_PROGRESS, 2\/6 tasks running/,
    );
  });
});

describe('rolloutOf', () => {
  const at = (deployments: Service['deployments']) => rolloutOf({ deployments }, NEW_TD).state;

  it('is completed only when the PRIMARY deployment runs our revision, COMPLETED, running = desired', () => {
    expect(
      at([
        {
          status: 'PRIMARY',
          taskDefinition: NEW_TD,
          rolloutState: 'COMPLETED',
          runningCount: 3,
          desiredCount: 3,
        },
      ]),
    ).toBe('completed');
    expect(
      at([
        {
          status: 'PRIMARY',
          taskDefinition: NEW_TD,
          rolloutState: 'COMPLETED',
          runningCount: 2,
          desiredCount: 3,
        },
      ]),
    ).toBe('in-progress');
    expect(
      at([
        {
          status: 'PRIMARY',
          taskDefinition: NEW_TD,
          rolloutState: 'IN_PROGRESS',
          runningCount: 3,
          desiredCount: 3,
        },
      ]),
    ).toBe('in-progress');
  });

  it('is failed on a FAILED rollout, and when the circuit breaker made the old revision PRIMARY again', () => {
    expect(at([{ status: 'PRIMARY', taskDefinition: NEW_TD, rolloutState: 'FAILED' }])).toBe('failed');
    expect(
      at([
        { status: 'PRIMARY', taskDefinition: IDLE_TD, rolloutState: 'IN_PROGRESS' },
        {
          status: 'ACTIVE',
          taskDefinition: NEW_TD,
          rolloutState: 'FAILED',
          rolloutStateReason: 'circuit breaker',
        },
      ]),
    ).toBe('failed');
  });
});
