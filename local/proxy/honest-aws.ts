import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { REGION } from '../common/account';
import { type ApiCall, describeCall } from './api-calls';
import { EcsHonesty } from './ecs';
import { ELBV2_VERSION } from './elbv2/actions';
import { Elbv2Honesty, type RouterWrite } from './elbv2/service';
import { type TargetHealthState, TargetHealthTruth, type TargetHealthView } from './elbv2/target-health';
import { type Fault, Faults, faultResponse } from './faults';
import { loseAnswer, readBody, send, Upstream } from './http';
import {
  type EmulatedFunction,
  EmulatedFunctions,
  invokeEmulated,
  LambdaHonesty,
  lambdaCall,
} from './lambda';
import { withRoute53Operation } from './route53/calls';
import { Route53Honesty } from './route53/service';
import { answerStates, type ExecutionSource } from './states/service';

export type { RouterWrite, RouterWriteAction } from './elbv2/service';
export type { TargetHealthState, TargetHealthView } from './elbv2/target-health';
export type { Fault } from './faults';
export type { AliasWrite, EmulatedFunction, VersionBehaviour, VersionStatus } from './lambda';
export type { HealthCheckScript, RecordWrite, WatchedRecords } from './route53/service';
export type { ExecutionDescription, ExecutionSource } from './states/service';

/**
 * An HTTP proxy in front of moto that forwards every request unchanged except where moto is kinder
 * than AWS. One module per AWS service it makes honest: ELBv2 (target health, AWS's forward shape,
 * the record of router writes; see elbv2/), Route 53 (atomic, exact change batches, PENDING before
 * INSYNC, scripted health checks; see route53/) and Lambda (functions emulated in-process, since moto
 * cannot run them without Docker). Around them: the call log and injected faults, for every service.
 *
 * Groups already referenced when the proxy first looks at a region (at start for `region`, on the
 * first ELB request for others) count as referenced long ago, so a live side is healthy at once. Use
 * `settle()` to end the `initial` period of groups made ready outside the proxy.
 */

export interface HonestAwsOptions {
  readonly motoEndpoint: string;
  /** How long freshly referenced targets report `initial`. Default 2000. */
  readonly initialMs?: number;
  /** Add AWS's ForwardConfig to plain forward actions in responses. Default true. */
  readonly awsForwardShape?: boolean;
  /** Region whose current references count as settled at start. Default us-east-1. */
  readonly region?: string;
  /** How long a Route 53 change stays PENDING before INSYNC. Default 1000. */
  readonly insyncMs?: number;
  /** How long an ECS rollout of a new revision stays IN_PROGRESS. Default 1500. */
  readonly ecsRolloutMs?: number;
}

export class HonestAws {
  readonly endpoint: string;
  /** Every signed AWS API request that reached the proxy, in arrival order. */
  readonly calls: ApiCall[] = [];

  private readonly upstream: Upstream;
  private readonly truth: TargetHealthTruth;
  private readonly elbv2: Elbv2Honesty;
  private readonly functions = new EmulatedFunctions();
  private readonly faults = new Faults();
  private executions?: ExecutionSource;
  /** Lambda versions and aliases made honest (see lambda/). */
  readonly lambda: LambdaHonesty;
  /** Route 53 made honest: atomic, exact change batches, PENDING before INSYNC, scripted health checks. */
  readonly route53: Route53Honesty;
  /** ECS rollouts made honest: a second deployment, COMPLETED (or FAILED) after a while, targets registered. */
  readonly ecs: EcsHonesty;

  private constructor(
    private readonly server: http.Server,
    opts: HonestAwsOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${address.port}`;
    this.upstream = new Upstream(opts.motoEndpoint);
    this.truth = new TargetHealthTruth(this.upstream.origin, opts.initialMs ?? 2000);
    this.elbv2 = new Elbv2Honesty(this.upstream, this.truth, opts.awsForwardShape ?? true);
    this.lambda = new LambdaHonesty(this.upstream.origin);
    this.route53 = new Route53Honesty(this.upstream, opts.insyncMs ?? 1000);
    this.ecs = new EcsHonesty(this.upstream.origin, opts.region ?? REGION, opts.ecsRolloutMs ?? 1500);
  }

  static async start(opts: HonestAwsOptions): Promise<HonestAws> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new HonestAws(server, opts);
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch((error: unknown) => proxy.fail(res, error));
    });
    try {
      await proxy.truth.settleRegion(opts.region ?? REGION);
    } catch (error) {
      await proxy.stop();
      throw error;
    }
    return proxy;
  }

  /** Every router write (ModifyListener, CreateRule, ModifyRule), with the health of each group at the write. */
  get routerWrites(): RouterWrite[] {
    return this.elbv2.routerWrites;
  }

  /** Router writes that gave weight to a group whose targets were not all healthy. */
  get violations(): string[] {
    return this.elbv2.violations;
  }

  setTargetHealth(
    targetGroupArn: string,
    targetId: string,
    state: TargetHealthState,
    reason?: string,
    description?: string,
  ): void {
    this.truth.setTargetHealth(targetGroupArn, targetId, state, reason, description);
  }

  clearTargetHealth(targetGroupArn?: string): void {
    this.truth.clearTargetHealth(targetGroupArn);
  }

  setInitialMs(ms: number): void {
    this.truth.setInitialMs(ms);
  }

  /**
   * Ends the `initial` period now for the given group (or every referenced group), e.g. when a test
   * built its fixture directly against moto after the proxy started.
   */
  settle(targetGroupArn?: string): Promise<void> {
    return this.truth.settle(targetGroupArn);
  }

  /** What DescribeTargetHealth through the proxy reports for every registered target of the group. */
  targetHealth(targetGroupArn: string): Promise<TargetHealthView[]> {
    return this.truth.targetHealth(targetGroupArn);
  }

  /**
   * Answers Lambda `Invoke` of `functionArn` (by ARN or name, any qualifier) with `handler`, as the
   * Lambda service would: the handler's result as the payload, a thrown error as an `Unhandled`
   * function error. moto cannot run functions without Docker; this stands in for a user's function.
   */
  emulateFunction(functionArn: string, handler: EmulatedFunction): void {
    this.functions.emulate(functionArn, handler);
  }

  /**
   * Answers Step Functions' DescribeExecution from `source` (the offline runner's own executions):
   * moto's Step Functions does not run the state machine, so it does not know them.
   */
  serveExecutions(source: ExecutionSource): void {
    this.executions = source;
  }

  /** Makes matching requests fail with an AWS error until the returned function is called. */
  injectFault(fault: Fault): () => void {
    return this.faults.inject(fault);
  }

  onRouterWrite(listener: (w: RouterWrite) => void): () => void {
    return this.elbv2.onRouterWrite(listener);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.upstream.destroy();
    this.truth.close();
    this.route53.close();
    this.ecs.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const described = withRoute53Operation(describeCall(req, body), req, body);
    const call =
      described && lambdaCall(described, req.method ?? 'GET', new URL(req.url ?? '/', 'http://proxy'), body);
    if (call) this.calls.push(call);
    const fault = call ? this.faults.take(call) : undefined;
    if (fault) {
      if (fault.effect === 'unreachable') {
        res.socket?.destroy();
        return;
      }
      // The request goes on to moto as usual; only its answer is dropped (see send).
      if (fault.effect === 'answer-lost') loseAnswer(res);
      else {
        send(res, faultResponse(fault, req));
        return;
      }
    }
    const emulated = call ? this.functions.find(call) : undefined;
    if (emulated) {
      send(res, await invokeEmulated(emulated, body));
      return;
    }
    if (call?.service === 'lambda') {
      const answered = await this.lambda.handle(call, () => this.upstream.forward(req, body));
      if (answered) {
        send(res, answered);
        return;
      }
    }
    if (call?.service === 'elasticloadbalancing') {
      const params = new URLSearchParams(new URL(req.url ?? '/', 'http://proxy').search);
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
      // Classic ELB shares the signing name; it is passed through as is.
      if (params.get('Version') === ELBV2_VERSION) {
        send(res, await this.elbv2.handle(call.region, req, body, params));
        return;
      }
    }
    if (call?.service === 'ecs') {
      send(res, await this.ecs.handle(call, () => this.upstream.forward(req, body)));
      return;
    }
    if (call?.service === 'states' && this.executions) {
      const answered = answerStates(call, this.executions);
      if (answered) {
        send(res, answered);
        return;
      }
    }
    if (call?.service === 'route53') {
      send(res, await this.route53.handle(req, body));
      return;
    }
    send(res, await this.upstream.forward(req, body));
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`honest-aws proxy: ${message}`);
    } else {
      res.destroy(error instanceof Error ? error : undefined);
    }
  }
}
