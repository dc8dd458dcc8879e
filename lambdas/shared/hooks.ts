import { callTrafficHook } from './aws/hook';
import { isTransient } from './aws/transient';
import {
  type HookAnswer,
  HookFailed,
  type RuntimeConfig,
  type TrafficHookEvent,
  type TrafficHookPhase,
} from './contract';
import { logger } from './observability';
import type { HookProgress, Roles, WorkflowState } from './state';
import { pollUntil, type Step } from './step';

/**
 * The lifecycle hooks (`hooks.beforeTraffic`, `hooks.afterTraffic`): the user's functions, called
 * with the deploy hook's answer protocol until they answer SUCCEEDED, FAILED, or
 * healthTimeoutSeconds (counted from the first call) runs out.
 */

/** A cutover whose roles are resolved: what a hook is called for. */
type Release = WorkflowState & { readonly roles: Roles };

/** The configured hook of `phase`, when this execution is a cutover that calls it. */
export function hookOf(
  config: Pick<RuntimeConfig, 'hooks'>,
  state: WorkflowState,
  phase: TrafficHookPhase,
): string | undefined {
  const { request } = state;
  // A rollback returns to code already proven; a dry run changes and calls nothing.
  if (request.action !== 'cutover' || request.dryRun) return undefined;
  return config.hooks?.[phase];
}

/** The event of one call of the hook of `phase`. */
export function trafficHookEvent(
  config: Pick<RuntimeConfig, 'service'>,
  state: Release,
  phase: TrafficHookPhase,
  attempt: number,
): TrafficHookEvent {
  const version = state.request.action === 'cutover' ? state.request.version : '';
  return {
    service: config.service,
    phase,
    color: state.roles.idle,
    version,
    executionId: state.execution.arn,
    attempt,
    ...(state.testUrl ? { testUrl: state.testUrl } : {}),
  };
}

function hookFailed(phase: TrafficHookPhase) {
  return (message: string, options?: ErrorOptions) => new HookFailed(message, `hooks.${phase}`, options);
}

function failedAnswer(phase: TrafficHookPhase, functionArn: string, answer: HookAnswer): HookFailed {
  return new HookFailed(
    `${phase} hook ${functionArn} answered FAILED: ${answer.message ?? 'the hook gave no message'}`,
    `hooks.${phase}`,
  );
}

function timedOut(
  phase: TrafficHookPhase,
  functionArn: string,
  config: Pick<RuntimeConfig, 'healthTimeoutSeconds'>,
  message: string | undefined,
): HookFailed {
  return new HookFailed(
    `${phase} hook ${functionArn} was still in progress after ${config.healthTimeoutSeconds} s (healthTimeoutSeconds)${message ? `: ${message}` : ''}`,
    `hooks.${phase}`,
  );
}

/**
 * beforeTraffic: calls the hook every pollSeconds inside one invocation until it answers SUCCEEDED,
 * or the invocation must hand back (IN_PROGRESS: the state machine calls again). FAILED, a hook
 * that throws or cannot be invoked, and a hook still in progress after healthTimeoutSeconds are
 * HookFailed.
 */
export async function runBeforeTraffic(
  state: Release,
  step: Step,
  functionArn: string,
): Promise<HookProgress> {
  const { config } = step;
  const previous = state.hooks?.beforeTraffic;
  const startedAt = previous?.startedAt ?? new Date().toISOString();
  const until = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
  let attempt = previous?.attempt ?? 0;
  let answer: HookAnswer = { status: 'IN_PROGRESS', message: previous?.message };
  const polled = await pollUntil(step, { intervalMs: config.pollSeconds * 1000, until }, async () => {
    attempt += 1;
    answer = await callTrafficHook(
      { functionArn, fail: hookFailed('beforeTraffic') },
      trafficHookEvent(config, state, 'beforeTraffic', attempt),
    );
    logger.info('beforeTraffic hook answered', { attempt, status: answer.status });
    if (answer.status === 'FAILED') throw failedAnswer('beforeTraffic', functionArn, answer);
    return { done: answer.status === 'SUCCEEDED', value: answer };
  });
  if (polled.stop === 'expired') throw timedOut('beforeTraffic', functionArn, config, answer.message);
  const status = answer.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'IN_PROGRESS';
  return { startedAt, attempt, status, ...(answer.message ? { message: answer.message } : {}) };
}

type Settled = { readonly answer: HookAnswer } | { readonly error: unknown };

/**
 * afterTraffic, during the bake: the watch looks every second at the alarms, and on the way calls
 * this hook every pollSeconds without waiting for it, so a slow hook never delays a rollback. The
 * bake ends only once the hook has answered SUCCEEDED; FAILED, a throw or healthTimeoutSeconds
 * without success is the reason to roll back (`problem`).
 */
export class AfterTrafficHook {
  private attempt: number;
  private status: HookProgress['status'];
  private message: string | undefined;
  private readonly startedAt: string;
  private nextCallAt = 0;
  private inFlight: Promise<Settled> | undefined;
  private settled: Settled | undefined;
  private failure: string | undefined;

  /** The hook of this bake, or undefined when none is configured or this is not a cutover. */
  static of(step: Pick<Step, 'config'>, state: Release): AfterTrafficHook | undefined {
    const functionArn = hookOf(step.config, state, 'afterTraffic');
    return functionArn ? new AfterTrafficHook(step.config, state, functionArn) : undefined;
  }

  private constructor(
    private readonly config: RuntimeConfig,
    private readonly state: Release,
    readonly functionArn: string,
  ) {
    const previous = state.hooks?.afterTraffic;
    this.startedAt = previous?.startedAt ?? new Date().toISOString();
    this.attempt = previous?.attempt ?? 0;
    this.status = previous?.status ?? 'IN_PROGRESS';
    this.message = previous?.message;
  }

  get succeeded(): boolean {
    return this.status === 'SUCCEEDED';
  }

  /** When the hook must have succeeded (epoch ms): healthTimeoutSeconds from its first call. */
  get deadline(): number {
    return Date.parse(this.startedAt) + this.config.healthTimeoutSeconds * 1000;
  }

  /**
   * One look: reads the answer of a call that ended, and starts the next call when one is due.
   * Answers why the release must roll back, if it must.
   */
  look(now: number = Date.now()): string | undefined {
    if (this.failure || this.succeeded) return this.failure;
    if (this.settled) this.read(this.settled);
    if (this.failure || this.succeeded) return this.failure;
    if (!this.inFlight && now >= this.deadline) {
      this.failure = timedOut('afterTraffic', this.functionArn, this.config, this.message).details.message;
      return this.failure;
    }
    if (!this.inFlight && now >= this.nextCallAt) this.call();
    return undefined;
  }

  /** Waits for a call still running, so that its answer is not lost when the invocation hands back. */
  async settle(): Promise<string | undefined> {
    if (this.inFlight) await this.inFlight;
    return this.look(Date.now());
  }

  /** The hook's part of the state. */
  progress(): HookProgress {
    return {
      startedAt: this.startedAt,
      attempt: this.attempt,
      status: this.status,
      ...(this.message ? { message: this.message } : {}),
    };
  }

  private call(): void {
    // Calls start every pollSeconds, counted from the start of the previous one.
    this.nextCallAt = Date.now() + this.config.pollSeconds * 1000;
    this.attempt += 1;
    const attempt = this.attempt;
    const running = callTrafficHook(
      { functionArn: this.functionArn, fail: hookFailed('afterTraffic') },
      trafficHookEvent(this.config, this.state, 'afterTraffic', attempt),
    ).then(
      (answer): Settled => ({ answer }),
      (error: unknown): Settled => ({ error }),
    );
    this.inFlight = running;
    void running.then((settled) => {
      this.settled = settled;
      this.inFlight = undefined;
    });
  }

  private read(settled: Settled): void {
    this.settled = undefined;
    if ('error' in settled) {
      const { error } = settled;
      if (error instanceof HookFailed) {
        this.failure = error.details.message;
        return;
      }
      // Throttling: the hook is idempotent per executionId, so the next call asks again.
      if (isTransient(error)) {
        logger.warn('afterTraffic hook call throttled; calling again', { attempt: this.attempt });
        return;
      }
      this.failure = `afterTraffic hook ${this.functionArn} failed on attempt ${this.attempt}: ${String(error)}`;
      return;
    }
    const { answer } = settled;
    logger.info('afterTraffic hook answered', { attempt: this.attempt, status: answer.status });
    if (answer.message) this.message = answer.message;
    if (answer.status === 'FAILED') {
      this.failure = failedAnswer('afterTraffic', this.functionArn, answer).details.message;
    } else if (answer.status === 'SUCCEEDED') {
      this.status = 'SUCCEEDED';
    }
  }
}
