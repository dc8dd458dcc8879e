import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { type Color, DeployFailed, type RuntimeConfig } from '../../contract';
import { logger } from '../../observability';
import { pollUntil } from '../../step';
import type { DeployConfigOf, Deployer, DeployProgress, DeployRun } from '../port';
import { refusedAsDeployFailed } from '../refused';
import { familyOf, nextRevision } from './revision';
import { type Rollout, rolloutOf } from './rollout';

export { withImageTag } from './revision';
export { type Rollout, rolloutOf } from './rollout';

type EcsDeploy = DeployConfigOf<'ecs-service'>;

/**
 * `ecs-service`: registers a revision of the live service's task definition for the idle service
 * with `container`'s image tag set to the release version (everything else copied), scales the
 * idle service to the live one's desired count with that revision, and waits until its PRIMARY
 * deployment runs it, COMPLETED, with every desired task running. The registered revision is kept
 * in the state, so a retry never registers or updates twice.
 */
export class EcsServiceDeployer implements Deployer {
  constructor(
    private readonly ecs: ECSClient,
    private readonly config: RuntimeConfig,
    private readonly deployConfig: EcsDeploy,
  ) {}

  async deploy(run: DeployRun): Promise<DeployProgress> {
    const { startedAt } = run;
    const attempt = (run.state.deploy?.attempt ?? 0) + 1;
    const registered = run.state.deploy?.taskDefinitionArn;
    if (!registered) {
      const taskDefinitionArn = await this.rollOut(run);
      // Handed back once, so that from here on every retry only watches the rollout.
      return {
        startedAt,
        attempt,
        status: 'IN_PROGRESS',
        taskDefinitionArn,
        message: `${this.serviceOf(run.state.roles.idle)} is rolling out ${taskDefinitionArn}`,
      };
    }
    return this.watch(run, registered, { startedAt, attempt });
  }

  private serviceOf(color: Color): string {
    return color === 'blue' ? this.deployConfig.blueService : this.deployConfig.greenService;
  }

  private async rollOut(run: DeployRun): Promise<string> {
    const { cluster, container } = this.deployConfig;
    const { roles } = run.state;
    const liveName = this.serviceOf(roles.live);
    const idleName = this.serviceOf(roles.idle);
    const [live, idle] = await Promise.all([this.service(liveName), this.service(idleName)]);
    const liveTd = required(live.taskDefinition, `the task definition of ${liveName}`);
    const idleTd = required(idle.taskDefinition, `the task definition of ${idleName}`);
    const read = await refusedAsDeployFailed(`reading task definition ${liveTd}`, () =>
      this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: liveTd })),
    );
    const taskDefinition = required(read.taskDefinition, `task definition ${liveTd}`);
    this.checkRoles(taskDefinition.taskRoleArn, 'taskRoleArn', liveTd);
    this.checkRoles(taskDefinition.executionRoleArn, 'executionRoleArn', liveTd);
    const input = nextRevision(taskDefinition, familyOf(idleTd), container, run.version);
    if (!input) {
      const names = (taskDefinition.containerDefinitions ?? []).map((c) => c.name).join(', ');
      throw new DeployFailed(
        `deploy.container "${container}" is not a container of ${liveTd} (the task definition of ${liveName}, which has: ${names || 'none'})`,
      );
    }
    const out = await refusedAsDeployFailed(`registering a revision of ${input.family}`, () =>
      this.ecs.send(new RegisterTaskDefinitionCommand(input)),
    );
    const arn = required(out.taskDefinition?.taskDefinitionArn, 'the registered task definition ARN');
    const desiredCount = live.desiredCount ?? 0;
    await refusedAsDeployFailed(`updating ${idleName} to ${arn}`, () =>
      this.ecs.send(
        new UpdateServiceCommand({ cluster, service: idleName, taskDefinition: arn, desiredCount }),
      ),
    );
    logger.info('rolling out the new revision on the idle service', {
      service: idleName,
      taskDefinition: arn,
      desiredCount,
    });
    return arn;
  }

  /** A role of the live task definition must be the configured one: the deploy may pass only those. */
  private checkRoles(actual: string | undefined, key: 'taskRoleArn' | 'executionRoleArn', td: string): void {
    const configured = this.deployConfig[key];
    if (actual === configured || actual === undefined) return;
    throw new DeployFailed(
      `task definition ${td} has ${key} ${actual}, but deploy.${key} is ${configured ?? 'not configured'}: the deploy passes only the configured roles`,
    );
  }

  private async watch(
    run: DeployRun,
    taskDefinitionArn: string,
    progress: { startedAt: string; attempt: number },
  ): Promise<DeployProgress> {
    const idleName = this.serviceOf(run.state.roles.idle);
    const until = Date.parse(progress.startedAt) + this.config.healthTimeoutSeconds * 1000;
    let last: Rollout = { state: 'in-progress', summary: 'not read yet' };
    const polled = await pollUntil(
      run.step,
      { intervalMs: this.config.pollSeconds * 1000, until },
      async () => {
        last = rolloutOf(await this.service(idleName), taskDefinitionArn);
        if (last.state === 'failed') {
          throw new DeployFailed(
            `the rollout of ${taskDefinitionArn} on ${idleName} failed: ${last.summary}`,
          );
        }
        return { done: last.state === 'completed', value: last };
      },
    );
    if (polled.stop === 'expired') {
      throw new DeployFailed(
        `the rollout of ${taskDefinitionArn} on ${idleName} did not complete within ${this.config.healthTimeoutSeconds} s (healthTimeoutSeconds): ${last.summary}`,
      );
    }
    const base = { ...progress, taskDefinitionArn };
    return polled.stop === 'done'
      ? { ...base, status: 'SUCCEEDED', message: `${idleName} runs ${taskDefinitionArn}: ${last.summary}` }
      : { ...base, status: 'IN_PROGRESS', message: last.summary };
  }

  private async service(name: string): Promise<Service> {
    const { cluster } = this.deployConfig;
    const out = await this.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }));
    const found = out.services?.[0];
    if (found?.status !== 'ACTIVE') {
      const why = out.failures?.[0]?.reason ?? (found ? `status ${found.status}` : 'not found');
      throw new DeployFailed(`ECS service ${name} of cluster ${cluster} is not usable (${why})`);
    }
    return found;
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null) throw new DeployFailed(`ECS answered without ${what}`);
  return value;
}
