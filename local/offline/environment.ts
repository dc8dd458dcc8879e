import { loadWorkflow } from '../assembly/load-workflow';
import { ACCOUNT, REGION } from '../common/account';
import { LocalWorkflow } from '../execution/local-workflow';
import type { ExecutionOutcome, LocalExecution } from '../execution/types';
import { type AlbFixture, setAlarmState } from '../fixtures';
import { type MotoServer, startMoto } from '../moto';
import { HonestAws } from '../proxy/honest-aws';
import { type EmfMetric, emfMetrics } from './emf';
import {
  type DeployHookEvent,
  parseServiceConfig,
  type ServiceConfig,
  type TrafficHookEvent,
  type TrafficHookPhase,
} from './product';
import { synthesize } from './synth';
import {
  type AlbTrafficFixture,
  buildTrafficFixture,
  type TrafficFixture,
  type TrafficType,
} from './traffic';

export { ACCOUNT, REGION };

export interface OfflineOptions {
  readonly service?: string;
  /** The router to build a world for. Default `alb-listener`. */
  readonly traffic?: TrafficType;
  /** Extra keys of the config's `traffic` block (e.g. `shift`, `routes`), merged over the fixture's. */
  readonly trafficExtra?: Record<string, unknown>;
  /** Alarm names to create and configure; default `<service>-5xx`, `<service>-p99`. */
  readonly alarms?: string[];
  /** Configure alarms that the fixture does not create (to test AlarmNotFound). */
  readonly extraConfiguredAlarms?: string[];
  readonly bakeSeconds?: number;
  readonly pollSeconds?: number;
  readonly healthTimeoutSeconds?: number;
  readonly targetsPerSide?: number;
  readonly deregistrationDelaySeconds?: number;
  /**
   * `alb-listener`: also builds further routes to blue (HTTP:80 forwarding, a `/api/*` rule on
   * HTTPS:443) and lists them in `traffic.routes`.
   */
  readonly albRoutes?: boolean;
  /**
   * `alb-listener`: target-group stickiness in seconds of the HTTPS listener's forward action and of
   * the `/api/*` rule (default: none on the listener, 2 s on the rule).
   */
  readonly albStickinessSeconds?: { readonly listener?: number; readonly apiRule?: number };
  /** `route53-weighted`: each side's health from its target group (default) or a Route 53 health check. */
  readonly healthSource?: 'target-group' | 'health-check';
  /** `route53-weighted`: the records' TTL, which is the drain; default 1 so scenarios stay short. */
  readonly recordTtlSeconds?: number;
  /** How long freshly referenced targets report `initial`. */
  readonly initialMs?: number;
  /**
   * Configures `deploy: lambda-hook` with a function the proxy answers by calling this (moto cannot
   * run Lambda functions without Docker). It receives the hook event; what it returns is the answer.
   */
  readonly deployHook?: (event: DeployHookEvent) => unknown;
  /** The config's `deploy` block when there is no `deployHook` (e.g. `lambda-version`). */
  readonly deploy?: Record<string, unknown>;
  /**
   * Configures `hooks` with functions the proxy answers by calling these, as for `deployHook`: each
   * receives the hook event; what it returns is the answer, what it throws a function error.
   */
  readonly hooks?: { readonly [P in TrafficHookPhase]?: (event: TrafficHookEvent) => unknown };
  /** Runs the handlers' clocks this many times faster (see LocalWorkflowOptions.clockRate). */
  readonly clockRate?: number;
  /** Receives every handler log line; default: dropped. */
  readonly onLog?: (functionName: string, line: string) => void;
}

/**
 * Everything a workflow scenario needs, offline: a moto server behind the honest proxy, a realistic
 * ALB fixture, the app synthesized from a config file naming that fixture, and the synthesized state
 * machine running with its tasks bound to the bundled handlers.
 */
export class OfflineEnvironment {
  private constructor(
    readonly moto: MotoServer,
    readonly aws: HonestAws,
    /** The router's world: its resources, weights, health overrides and observer. */
    readonly router: TrafficFixture,
    readonly config: ServiceConfig,
    readonly workflow: LocalWorkflow,
    /** The cloud assembly's directory. */
    readonly cdkOut: string,
    /** The metrics the handlers published, from their embedded-metric (EMF) log lines. */
    readonly metrics: EmfMetric[],
  ) {}

  static async start(opts: OfflineOptions = {}): Promise<OfflineEnvironment> {
    const service = opts.service ?? 'orders-api';
    const moto = await startMoto();
    let aws: HonestAws | undefined;
    try {
      const router = await buildTrafficFixture(opts.traffic ?? 'alb-listener', {
        service,
        moto,
        opts,
        startProxy: async () => {
          aws = await HonestAws.start({ motoEndpoint: moto.endpoint, initialMs: opts.initialMs ?? 1500 });
          return aws;
        },
      });
      if (!aws) throw new Error(`the ${router.type} world did not start the proxy`);
      const config = parseServiceConfig(
        {
          service,
          traffic: { ...router.traffic, ...opts.trafficExtra },
          alarms: [...router.alarmNames, ...(opts.extraConfiguredAlarms ?? [])],
          bakeSeconds: opts.bakeSeconds ?? 3,
          pollSeconds: opts.pollSeconds ?? 1,
          healthTimeoutSeconds: opts.healthTimeoutSeconds ?? 20,
          ...(opts.deployHook
            ? { deploy: { type: 'lambda-hook', functionArn: deployHookArn(service) } }
            : opts.deploy
              ? { deploy: opts.deploy }
              : {}),
          ...(opts.hooks ? { hooks: trafficHookArns(service, opts.hooks) } : {}),
        },
        'offline config',
      );
      for (const [phase, answer] of Object.entries(opts.hooks ?? {})) {
        if (!answer) continue;
        aws.emulateFunction(trafficHookArn(service, phase as TrafficHookPhase), (event) =>
          answer(event as TrafficHookEvent),
        );
      }
      const hook = opts.deployHook;
      if (hook) aws.emulateFunction(deployHookArn(service), (event) => hook(event as DeployHookEvent));
      const assembly = synthesize(config);
      const metrics: EmfMetric[] = [];
      const wf = loadWorkflow(assembly, `BlueGreen-${service}`, { region: REGION, account: ACCOUNT });
      const workflow = new LocalWorkflow(wf, {
        awsEndpoint: aws.endpoint,
        region: REGION,
        onLog: (name, line) => {
          metrics.push(...emfMetrics(line));
          opts.onLog?.(name, line);
        },
        ...(opts.clockRate ? { clockRate: opts.clockRate } : {}),
      });
      await workflow.deployResources();
      aws.serveExecutions(workflow);
      return new OfflineEnvironment(moto, aws, router, config, workflow, assembly.directory, metrics);
    } catch (error) {
      await aws?.stop();
      await moto.stop();
      throw error;
    }
  }

  start(input: unknown, name?: string): LocalExecution {
    return this.workflow.start(input, name ? { name } : {});
  }

  async run(
    input: unknown,
    name?: string,
  ): Promise<{ execution: LocalExecution; outcome: ExecutionOutcome }> {
    const execution = this.start(input, name);
    const outcome = await execution.result;
    await execution.statusEvents;
    return { execution, outcome };
  }

  /** The ALB world (an `alb-listener` environment only). */
  get fixture(): AlbFixture {
    if (this.router.type !== 'alb-listener') {
      throw new Error(
        `this environment routes with ${this.router.type}, not an ALB listener: use env.router`,
      );
    }
    return (this.router as AlbTrafficFixture).alb;
  }

  /** Each side's share of traffic as the router holds it (null: the side is not referenced). */
  weights(): Promise<{ blue: number | null; green: number | null }> {
    return this.router.weights();
  }

  /** Router writes that gave weight to a side that was not fully healthy at the write. */
  get violations(): string[] {
    return this.router.violations();
  }

  async setAlarm(
    name: string,
    state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA',
    reason = 'set by the test',
  ): Promise<void> {
    await setAlarmState(this.moto.endpoint, name, state, reason);
  }

  targetGroupOf(color: 'blue' | 'green'): string {
    return color === 'blue' ? this.fixture.blueTargetGroupArn : this.fixture.greenTargetGroupArn;
  }

  /** Makes a side report `state` by the router's health source (a test override that wins over moto). */
  setSideHealth(color: 'blue' | 'green', state: 'healthy' | 'unhealthy'): void {
    this.router.setSideHealth(color, state);
  }

  /** Drops every health override. */
  clearSideHealth(): void {
    this.router.clearSideHealth();
  }

  async close(): Promise<void> {
    await this.workflow.close();
    await this.aws.stop();
    await this.moto.stop();
  }
}

/** The ARN of the emulated deploy hook of `service` (see `OfflineOptions.deployHook`). */
export function deployHookArn(service: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${service}-deploy`;
}

/** The ARN of the emulated lifecycle hook of `service` for `phase` (see `OfflineOptions.hooks`). */
export function trafficHookArn(service: string, phase: TrafficHookPhase): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${service}-${phase === 'beforeTraffic' ? 'before' : 'after'}-traffic`;
}

function trafficHookArns(
  service: string,
  hooks: NonNullable<OfflineOptions['hooks']>,
): Record<string, string> {
  return Object.fromEntries(
    (['beforeTraffic', 'afterTraffic'] as const)
      .filter((phase) => hooks[phase])
      .map((phase) => [phase, trafficHookArn(service, phase)]),
  );
}
