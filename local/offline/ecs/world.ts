import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ACCOUNT, FAKE_CREDENTIALS, REGION } from '../../common/account';
import { type AlbFixture, elbv2Client } from '../../fixtures';

/**
 * The ECS world of an `alb-listener` environment: a cluster, one task definition, and two services
 * (`<service>-blue`, `<service>-green`) behind the fixture's blue and green target groups, whose
 * registered targets stand for their tasks. Built straight in moto; the proxy makes rollouts honest.
 */
export interface EcsWorldOptions {
  /** The idle (green) service's desired count; 0 deregisters its targets (scaled down). Default: as blue. */
  readonly idleDesiredCount?: number;
  /** Blue's desired count; default the fixture's targets per side. */
  readonly desiredCount?: number;
}

export interface EcsWorld {
  readonly cluster: string;
  readonly container: string;
  readonly services: { readonly blue: string; readonly green: string };
  readonly client: ECSClient;
  /** A service as moto holds it (desired count, task definition). */
  describe(color: 'blue' | 'green'): Promise<{ desiredCount: number; taskDefinition: string }>;
  /** The image of the world's container in a task definition. */
  imageOf(taskDefinition: string): Promise<string>;
}

export const ECS_CONTAINER = 'app';

export function ecsNames(service: string) {
  return {
    cluster: `${service}-cluster`,
    blueService: `${service}-blue`,
    greenService: `${service}-green`,
    container: ECS_CONTAINER,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/${service}-task`,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/${service}-task-execution`,
  };
}

/** The config's `deploy` block for the world of `service`. */
export function ecsDeployConfig(service: string): Record<string, unknown> {
  return { type: 'ecs-service', ...ecsNames(service) };
}

export async function buildEcsWorld(
  motoEndpoint: string,
  service: string,
  alb: AlbFixture,
  opts: EcsWorldOptions = {},
): Promise<EcsWorld> {
  const names = ecsNames(service);
  const client = new ECSClient({
    endpoint: motoEndpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
  await client.send(new CreateClusterCommand({ clusterName: names.cluster }));
  const td = await client.send(
    new RegisterTaskDefinitionCommand({
      family: service,
      networkMode: 'bridge',
      cpu: '256',
      memory: '512',
      taskRoleArn: names.taskRoleArn,
      executionRoleArn: names.executionRoleArn,
      containerDefinitions: [
        {
          name: ECS_CONTAINER,
          image: `123456789012.dkr.ecr.${REGION}.amazonaws.com/${service}:v1`,
          essential: true,
          memory: 512,
          portMappings: [{ containerPort: 8080, hostPort: 0 }],
          environment: [{ name: 'PORT', value: '8080' }],
        },
        {
          name: 'log-router',
          image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32',
          essential: false,
          memory: 64,
        },
      ],
    }),
  );
  const taskDefinition = td.taskDefinition?.taskDefinitionArn ?? '';
  const desired = opts.desiredCount ?? alb.blueTargetIds.length;
  const idleDesired = opts.idleDesiredCount ?? desired;
  for (const [name, group, count] of [
    [names.blueService, alb.blueTargetGroupArn, desired],
    [names.greenService, alb.greenTargetGroupArn, idleDesired],
  ] as const) {
    await client.send(
      new CreateServiceCommand({
        cluster: names.cluster,
        serviceName: name,
        taskDefinition,
        desiredCount: count,
        launchType: 'EC2',
        loadBalancers: [{ targetGroupArn: group, containerName: ECS_CONTAINER, containerPort: 8080 }],
        deploymentConfiguration: {
          deploymentCircuitBreaker: { enable: true, rollback: true },
          maximumPercent: 200,
          minimumHealthyPercent: 100,
        },
      }),
    );
  }
  if (idleDesired === 0) {
    // Scaled down: no tasks, so nothing registered in its group.
    const elb = elbv2Client(motoEndpoint);
    const health = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: alb.greenTargetGroupArn }),
    );
    const targets = (health.TargetHealthDescriptions ?? []).flatMap((t) => (t.Target ? [t.Target] : []));
    if (targets.length > 0) {
      await elb.send(
        new DeregisterTargetsCommand({ TargetGroupArn: alb.greenTargetGroupArn, Targets: targets }),
      );
    }
  }
  return {
    cluster: names.cluster,
    container: ECS_CONTAINER,
    services: { blue: names.blueService, green: names.greenService },
    client,
    async describe(color) {
      const out = await client.send(
        new DescribeServicesCommand({ cluster: names.cluster, services: [names[`${color}Service`]] }),
      );
      const found = out.services?.[0];
      return { desiredCount: found?.desiredCount ?? -1, taskDefinition: found?.taskDefinition ?? '' };
    },
    async imageOf(arn) {
      const out = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      return out.taskDefinition?.containerDefinitions?.find((c) => c.name === ECS_CONTAINER)?.image ?? '';
    },
  };
}
