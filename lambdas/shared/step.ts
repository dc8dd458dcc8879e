import type * as z from 'zod';
import { CONFIG_ENV, type RuntimeConfig, runtimeConfigSchema } from './contract';
import { logger } from './observability';
import { type Roles, stepEventSchema, type WorkflowState } from './state';

let cached: RuntimeConfig | undefined;

/** Reads and checks the handler's configuration once per container. */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  if (cached && env === process.env) return cached;
  const raw = env[CONFIG_ENV];
  if (!raw)
    throw new Error(
      `${CONFIG_ENV} is not set: this function must be deployed by the BlueGreenCutover construct`,
    );
  const parsed = runtimeConfigSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new Error(
      `${CONFIG_ENV} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (env === process.env) cached = parsed.data;
  return parsed.data;
}

/** The part of the Lambda context a step uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** What a step's decision gets besides its event. */
export interface Step {
  readonly name: string;
  /** The service's configuration, read once per container. */
  readonly config: RuntimeConfig;
  /** When a polling step must hand back to the state machine (see pollUntil). */
  readonly handBackAt: number;
}

/**
 * How long a polling invocation keeps the Lambda: its remaining time less this reserve, which
 * covers the last poll, the answer and Step Functions' own margin over the function timeout.
 */
const HAND_BACK_RESERVE_MS = 25_000;
/** Without a Lambda context (a direct call), a polling step keeps going this long. */
export const POLL_BUDGET_MS = 50_000;

function handBackAt(context: Partial<LambdaContext> | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  const budget = remaining === undefined ? POLL_BUDGET_MS : remaining - HAND_BACK_RESERVE_MS;
  return Date.now() + Math.max(0, budget);
}

/**
 * A step handler: parses the event with `schema`, loads the configuration, puts the service, the
 * execution and the step on every log line, then runs the step's decision. Errors keep their names
 * (the state machine branches on them); they are logged once here.
 */
export function defineStep<S extends z.ZodType, R>(
  name: string,
  schema: S,
  decide: (event: z.output<S>, step: Step) => Promise<R>,
): (event: unknown, context?: Partial<LambdaContext>) => Promise<R> {
  return async (event, context) => {
    const deadline = handBackAt(context);
    const parsed = schema.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${name} received an event it cannot read at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
      );
    }
    logger.appendKeys({ step: name, execution: executionOf(parsed.data) ?? null });
    const step: Step = {
      name,
      handBackAt: deadline,
      // Read on first use: Validate never needs it.
      get config() {
        return loadRuntimeConfig();
      },
    };
    try {
      return await decide(parsed.data, step);
    } catch (error) {
      logger.warn(`${name} failed`, { error: error instanceof Error ? error.name : String(error) });
      throw error;
    } finally {
      logger.removeKeys(['step', 'execution']);
    }
  };
}

function executionOf(event: unknown): string | undefined {
  const e = event as { state?: { execution?: { arn?: string } }; execution?: { arn?: string } };
  return e.state?.execution?.arn ?? e.execution?.arn;
}

/** A step over the workflow state: the common case. */
export function defineStateStep<R>(
  name: string,
  decide: (state: WorkflowState, step: Step) => Promise<R>,
): (event: unknown, context?: Partial<LambdaContext>) => Promise<R> {
  return defineStep(name, stepEventSchema, (event, step) => decide(event.state, step));
}

/** A step that needs the roles ResolveRoles found. */
export function defineRolesStep<R>(
  name: string,
  decide: (state: WorkflowState & { roles: Roles }, step: Step) => Promise<R>,
): (event: unknown, context?: Partial<LambdaContext>) => Promise<R> {
  return defineStateStep(name, (state, step) => {
    if (!state.roles) throw new Error(`${name} ran before ResolveRoles: the state has no roles`);
    return decide({ ...state, roles: state.roles }, step);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export type Poll<T> = { readonly done: boolean; readonly value: T };

export interface PollOptions {
  readonly intervalMs: number;
  /** Epoch ms after which the polling has expired. */
  readonly until: number;
  /**
   * Look once more exactly at `until` (a watch that must cover its whole window) instead of
   * stopping when the next look would come after it (a wait with a timeout).
   */
  readonly lookAtUntil?: boolean;
}

/**
 * Polls inside one invocation: runs `look` every `intervalMs` until it is done, `until` has passed,
 * or the invocation must hand back to the state machine. Answers the last look and why it stopped.
 */
export async function pollUntil<T>(
  step: Pick<Step, 'handBackAt'>,
  options: PollOptions,
  look: () => Promise<Poll<T>>,
): Promise<{ readonly value: T; readonly stop: 'done' | 'expired' | 'hand-back' }> {
  const { intervalMs, until, lookAtUntil = false } = options;
  for (;;) {
    const result = await look();
    if (result.done) return { value: result.value, stop: 'done' };
    const now = Date.now();
    if (lookAtUntil ? now >= until : now + intervalMs > until)
      return { value: result.value, stop: 'expired' };
    const next = lookAtUntil ? Math.min(now + intervalMs, until) : now + intervalMs;
    if (next > step.handBackAt) {
      // Hand back only at the end of the budget: returning at once would make the state machine
      // call again at once, a tight loop whenever the interval is longer than the budget.
      await sleep(step.handBackAt - now);
      return { value: result.value, stop: 'hand-back' };
    }
    await sleep(next - now);
  }
}
