import { loadWorkflow } from '../assembly/load-workflow';
import { ACCOUNT, REGION } from '../common/account';
import { LocalWorkflow } from '../execution/local-workflow';
import type { ExecutionOutcome, LocalExecution } from '../execution/types';
import { type AlbFixture, buildAlbFixture, describeForward, setAlarmState } from '../fixtures';
import { type MotoServer, startMoto } from '../moto';
import { HonestAws } from '../proxy/honest-aws';
import { type EmfMetric, emfMetrics } from './emf';
import { type DeployHookEvent, parseServiceConfig, type ServiceConfig } from './product';
import { synthesize } from './synth';

export { ACCOUNT, REGION };

export interface OfflineOptions {
  readonly service?: string;
  /** Alarm names to create and configure; default `<service>-5xx`, `<service>-p99`. */
  readonly alarms?: string[];
  /** Configure alarms that the fixture does not create (to test AlarmNotFound). */
  readonly extraConfiguredAlarms?: string[];
  readonly bakeSeconds?: number;
  readonly pollSeconds?: number;
  readonly healthTimeoutSeconds?: number;
  readonly targetsPerSide?: number;
  readonly deregistrationDelaySeconds?: number;
  /** How long freshly referenced targets report `initial`. */
  readonly initialMs?: number;
  /**
   * Configures `deploy: lambda-hook` with a function the proxy answers by calling this (moto cannot
   * run Lambda functions without Docker). It receives the hook event; what it returns is the answer.
   */
  readonly deployHook?: (event: DeployHookEvent) => unknown;
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
    readonly fixture: AlbFixture,
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
      const fixture = await buildAlbFixture(moto.endpoint, {
        service,
        ...(opts.alarms ? { alarms: opts.alarms } : {}),
        targetsPerSide: opts.targetsPerSide ?? 2,
        deregistrationDelaySeconds: opts.deregistrationDelaySeconds ?? 0,
      });
      // Started after the fixture, so the live side counts as long referenced (healthy), as in a real account.
      aws = await HonestAws.start({ motoEndpoint: moto.endpoint, initialMs: opts.initialMs ?? 1500 });
      const config = parseServiceConfig(
        {
          service,
          traffic: {
            type: 'alb-listener',
            listenerArn: fixture.listenerArn,
            blueTargetGroupArn: fixture.blueTargetGroupArn,
            greenTargetGroupArn: fixture.greenTargetGroupArn,
          },
          alarms: [...fixture.alarmNames, ...(opts.extraConfiguredAlarms ?? [])],
          bakeSeconds: opts.bakeSeconds ?? 3,
          pollSeconds: opts.pollSeconds ?? 1,
          healthTimeoutSeconds: opts.healthTimeoutSeconds ?? 20,
          ...(opts.deployHook
            ? { deploy: { type: 'lambda-hook', functionArn: deployHookArn(service) } }
            : {}),
        },
        'offline config',
      );
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
      return new OfflineEnvironment(moto, aws, fixture, config, workflow, assembly.directory, metrics);
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

  /** The listener's forward weights by color (null: the group is not in the forward action). */
  async weights(): Promise<{ blue: number | null; green: number | null }> {
    const weights = await describeForward(this.moto.endpoint, this.fixture.listenerArn);
    return {
      blue: weights[this.fixture.blueTargetGroupArn] ?? null,
      green: weights[this.fixture.greenTargetGroupArn] ?? null,
    };
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

  /** Makes every target of a side report `state` (a test override that wins over moto). */
  setSideHealth(color: 'blue' | 'green', state: 'healthy' | 'unhealthy'): void {
    const ids = color === 'blue' ? this.fixture.blueTargetIds : this.fixture.greenTargetIds;
    for (const id of ids) this.aws.setTargetHealth(this.targetGroupOf(color), id, state);
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
