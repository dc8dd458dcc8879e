import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { FAKE_CREDENTIALS } from '../../common/account';
import type { ApiCall } from '../api-calls';
import { isPlainBody, type UpstreamResponse, withBody } from '../http';

/** What a deployment of an image tag does: roll out, fail (tasks never start), or trip the circuit breaker. */
export type ImageBehaviour = 'ok' | 'failed' | 'circuit-breaker';

interface Rollout {
  readonly serviceArn: string;
  readonly cluster: string;
  readonly from: string;
  readonly fromRunning: number;
  readonly to: string;
  readonly desired: number;
  readonly startedAt: number;
  readonly behaviour: ImageBehaviour;
  /** Set once the new tasks are registered in the service's target groups. */
  registered?: Promise<void>;
}

type Json = Record<string, unknown>;

const AMI_ID = 'ami-04681a1dbd79675a5';

/**
 * moto's ECS never finishes a rollout (one PRIMARY deployment, IN_PROGRESS forever, no tasks, no
 * targets). This makes it honest: an UpdateService to a new revision shows as a second deployment
 * that is PRIMARY and IN_PROGRESS for `rolloutMs`, then COMPLETED with every desired task running
 * and registered (fresh targets) in the service's target groups, the old targets deregistered.
 * An image tag marked broken ends FAILED instead; one marked `circuit-breaker` is rolled back: the
 * old revision's deployment becomes PRIMARY again and ours FAILED. A service nobody updated through
 * the proxy shows its one deployment COMPLETED.
 */
export class EcsHonesty {
  private readonly rollouts = new Map<string, Rollout>();
  private readonly images = new Map<string, ImageBehaviour>();
  private readonly ecs: ECSClient;
  private readonly elb: ElasticLoadBalancingV2Client;
  private readonly ec2: EC2Client;

  constructor(
    motoEndpoint: string,
    region: string,
    private rolloutMs: number,
  ) {
    const config = { endpoint: motoEndpoint, region, credentials: FAKE_CREDENTIALS, maxAttempts: 1 };
    this.ecs = new ECSClient(config);
    this.elb = new ElasticLoadBalancingV2Client(config);
    this.ec2 = new EC2Client(config);
  }

  /** What a deployment of an image with this tag does (default: it rolls out). */
  setImageBehaviour(tag: string, behaviour: ImageBehaviour): void {
    this.images.set(tag, behaviour);
  }

  setRolloutMs(ms: number): void {
    this.rolloutMs = ms;
  }

  async handle(call: ApiCall, forward: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    if (call.operation === 'UpdateService') return this.update(call, forward);
    const up = await forward();
    if (call.operation !== 'DescribeServices' || up.status !== 200 || !isPlainBody(up)) return up;
    const answer = JSON.parse(up.body.toString('utf8')) as { services?: Json[] };
    for (const service of answer.services ?? []) await this.rewrite(service);
    return withBody(up, JSON.stringify(answer));
  }

  private async update(call: ApiCall, forward: () => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const cluster = String(call.params.cluster ?? 'default');
    const name = String(call.params.service ?? '');
    const before = (await this.ecs.send(new DescribeServicesCommand({ cluster, services: [name] })))
      .services?.[0];
    const up = await forward();
    const to = call.params.taskDefinition;
    if (up.status !== 200 || !before?.serviceArn || typeof to !== 'string') return up;
    const previous = this.rollouts.get(before.serviceArn);
    const from =
      previous?.behaviour === 'circuit-breaker' ? previous.from : (previous?.to ?? before.taskDefinition);
    if (!from || from === to) return up;
    const desired =
      typeof call.params.desiredCount === 'number' ? call.params.desiredCount : (before.desiredCount ?? 0);
    this.rollouts.set(before.serviceArn, {
      serviceArn: before.serviceArn,
      cluster,
      from,
      fromRunning: previous ? previous.desired : (before.desiredCount ?? 0),
      to,
      desired,
      startedAt: Date.now(),
      behaviour: await this.behaviourOf(to),
    });
    return up;
  }

  private async behaviourOf(taskDefinition: string): Promise<ImageBehaviour> {
    const td = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    for (const c of td.taskDefinition?.containerDefinitions ?? []) {
      const tag = c.image?.split(':').at(-1) ?? '';
      const behaviour = this.images.get(tag);
      if (behaviour) return behaviour;
    }
    return 'ok';
  }

  private async rewrite(service: Json): Promise<void> {
    const rollout = this.rollouts.get(String(service.serviceArn));
    const desired = Number(service.desiredCount ?? 0);
    const deployment = (d: Json) => ({
      id: `ecs-svc/${Math.abs(hash(`${service.serviceArn}|${d.taskDefinition}`))}`,
      launchType: service.launchType,
      createdAt: service.createdAt,
      updatedAt: service.createdAt,
      pendingCount: 0,
      failedTasks: 0,
      ...d,
    });
    if (!rollout) {
      service.deployments = [
        deployment({
          status: 'PRIMARY',
          taskDefinition: service.taskDefinition,
          desiredCount: desired,
          runningCount: desired,
          rolloutState: 'COMPLETED',
          rolloutStateReason: 'ECS deployment completed.',
        }),
      ];
      service.runningCount = desired;
      return;
    }
    const done = Date.now() - rollout.startedAt >= this.rolloutMs;
    const old = (status: string, extra: Json = {}) =>
      deployment({
        status,
        taskDefinition: rollout.from,
        desiredCount: rollout.fromRunning,
        runningCount: rollout.fromRunning,
        rolloutState: 'COMPLETED',
        ...extra,
      });
    const ours = (status: string, extra: Json) =>
      deployment({ status, taskDefinition: rollout.to, desiredCount: rollout.desired, ...extra });
    if (!done) {
      service.deployments = [
        ours('PRIMARY', { runningCount: 0, pendingCount: rollout.desired, rolloutState: 'IN_PROGRESS' }),
        old('ACTIVE'),
      ];
      service.runningCount = rollout.fromRunning;
      return;
    }
    switch (rollout.behaviour) {
      case 'ok':
        rollout.registered ??= this.registerTasks(service, rollout.desired);
        await rollout.registered;
        service.deployments = [
          ours('PRIMARY', {
            runningCount: rollout.desired,
            rolloutState: 'COMPLETED',
            rolloutStateReason: 'ECS deployment completed.',
          }),
        ];
        service.runningCount = rollout.desired;
        return;
      case 'failed':
        service.deployments = [
          ours('PRIMARY', {
            runningCount: 0,
            failedTasks: Math.max(1, rollout.desired),
            rolloutState: 'FAILED',
            rolloutStateReason: `tasks failed to start: CannotPullContainerError: image of ${rollout.to} not found`,
          }),
          old('ACTIVE'),
        ];
        service.runningCount = rollout.fromRunning;
        return;
      case 'circuit-breaker':
        service.deployments = [
          old('PRIMARY', { rolloutStateReason: 'ECS deployment completed.' }),
          ours('ACTIVE', {
            runningCount: 0,
            failedTasks: Math.max(1, rollout.desired),
            rolloutState: 'FAILED',
            rolloutStateReason: `ECS deployment circuit breaker: tasks failed to start. Rolling back to ${rollout.from}.`,
          }),
        ];
        service.taskDefinition = rollout.from;
        service.runningCount = rollout.fromRunning;
        return;
    }
  }

  /** The new tasks: fresh instances in each target group of the service, the old ones deregistered. */
  private async registerTasks(service: Json, count: number): Promise<void> {
    const balancers = Array.isArray(service.loadBalancers) ? (service.loadBalancers as Json[]) : [];
    for (const lb of balancers) {
      const group = lb.targetGroupArn;
      if (typeof group !== 'string') continue;
      const port = Number(lb.containerPort ?? 8080);
      const health = await this.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: group }));
      const old = (health.TargetHealthDescriptions ?? []).flatMap((t) => (t.Target ? [t.Target] : []));
      if (old.length > 0) {
        await this.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: group, Targets: old }));
      }
      if (count === 0) continue;
      const launched = await this.ec2.send(
        new RunInstancesCommand({
          ImageId: AMI_ID,
          InstanceType: 't3.micro',
          MinCount: count,
          MaxCount: count,
        }),
      );
      const ids = (launched.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
      await this.elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: group, Targets: ids.map((Id) => ({ Id, Port: port })) }),
      );
    }
  }

  close(): void {
    this.ecs.destroy();
    this.elb.destroy();
    this.ec2.destroy();
  }
}

function hash(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}
