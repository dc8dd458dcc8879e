import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { loadRuntimeConfig } from '../shared/config';
import { DeployFailed, isTransient } from '../shared/errors';
import { lambdaClient, log, POLL_BUDGET_MS, sleep } from '../shared/runtime';
import { parseState, requireRoles, type WorkflowState } from '../shared/state';

const hookAnswerSchema = z.object({
  status: z.enum(['SUCCEEDED', 'IN_PROGRESS', 'FAILED']),
  message: z.string().optional(),
});

/** The event the deploy hook receives. `executionId` stays the same across calls, so it can be idempotent. */
export interface DeployHookEvent {
  readonly service: string;
  readonly color: string;
  readonly targetGroupArn: string;
  readonly version: string;
  readonly executionId: string;
  readonly attempt: number;
}

/**
 * Deploy: calls the user's deploy hook for the idle side until it answers SUCCEEDED, FAILED, or
 * healthTimeoutSeconds runs out. Polls inside one invocation to keep the execution history small.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'Deploy');
  const roles = requireRoles(state, 'Deploy');
  const config = loadRuntimeConfig();
  if (config.deploy.type !== 'lambda-hook' || state.request.action !== 'cutover') {
    // A rollback goes back to code that is already there: nothing to deploy.
    return { ...state, deploy: { startedAt: new Date().toISOString(), attempt: 0, status: 'SKIPPED' } };
  }
  const functionArn = config.deploy.functionArn;
  const version = state.request.version;
  const startedAt = state.deploy?.startedAt ?? new Date().toISOString();
  const deadline = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
  const budgetEnd = Date.now() + POLL_BUDGET_MS;
  let attempt = state.deploy?.attempt ?? 0;
  for (;;) {
    attempt += 1;
    const hookEvent: DeployHookEvent = {
      service: config.service,
      color: roles.idle,
      targetGroupArn: roles.idleTargetGroupArn,
      version,
      executionId: state.execution.arn,
      attempt,
    };
    const out = await invokeHook(functionArn, hookEvent);
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    if (out.FunctionError) {
      throw new DeployFailed(
        `deploy hook ${functionArn} failed on attempt ${attempt}: ${describeHookError(text)}`,
      );
    }
    let answer: z.infer<typeof hookAnswerSchema>;
    try {
      answer = hookAnswerSchema.parse(JSON.parse(text));
    } catch {
      throw new DeployFailed(
        `deploy hook ${functionArn} answered ${text.slice(0, 200) || 'nothing'}; it must answer {"status":"SUCCEEDED"|"IN_PROGRESS"|"FAILED","message"?:string}`,
      );
    }
    log('info', 'deploy hook answered', { attempt, status: answer.status });
    if (answer.status === 'FAILED') {
      throw new DeployFailed(
        `deploy of "${version}" to ${roles.idle} failed: ${answer.message ?? 'the hook gave no message'}`,
      );
    }
    if (answer.status === 'SUCCEEDED') {
      return {
        ...state,
        deploy: {
          startedAt,
          attempt,
          status: 'SUCCEEDED',
          ...(answer.message ? { message: answer.message } : {}),
        },
      };
    }
    const next = Date.now() + config.pollSeconds * 1000;
    if (next > deadline) {
      throw new DeployFailed(
        `deploy of "${version}" to ${roles.idle} was still in progress after ${config.healthTimeoutSeconds} s (healthTimeoutSeconds)${answer.message ? `: ${answer.message}` : ''}`,
      );
    }
    if (next > budgetEnd) {
      // Hand back at the end of the budget, not at once: the state machine calls again right away.
      await sleep(budgetEnd - Date.now());
      return {
        ...state,
        deploy: {
          startedAt,
          attempt,
          status: 'IN_PROGRESS',
          ...(answer.message ? { message: answer.message } : {}),
        },
      };
    }
    await sleep(next - Date.now());
  }
}

/**
 * How long one call of the hook may take. The hook starts the deploy and answers; it is called again
 * for progress. Bounded so that a poll plus one call stays inside this function's own timeout.
 */
export const HOOK_ANSWER_MS = 20_000;

async function invokeHook(functionArn: string, hookEvent: DeployHookEvent): Promise<InvokeCommandOutput> {
  try {
    return await lambdaClient().send(
      new InvokeCommand({
        FunctionName: functionArn,
        Payload: new TextEncoder().encode(JSON.stringify(hookEvent)),
      }),
      { abortSignal: AbortSignal.timeout(HOOK_ANSWER_MS) },
    );
  } catch (error) {
    // Throttling is retried by the state machine; the hook is idempotent per executionId.
    if (isTransient(error)) throw error;
    const e = error instanceof Error ? error : new Error(String(error));
    // The SDK reports a call ended by its abort signal as AbortError.
    if (e.name === 'AbortError') {
      throw new DeployFailed(
        `deploy hook ${functionArn} did not answer within ${HOOK_ANSWER_MS / 1000} s on attempt ${hookEvent.attempt}; a hook must start the deploy, answer IN_PROGRESS at once, and report progress when called again`,
      );
    }
    throw new DeployFailed(
      `deploy hook ${functionArn} could not be invoked (${e.name}: ${e.message}); check that it exists and that this workflow may invoke it`,
    );
  }
}

function describeHookError(payload: string): string {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) {
      return String((parsed as { errorMessage: unknown }).errorMessage);
    }
  } catch {
    // fall through to the raw text
  }
  return payload.slice(0, 500) || 'no error message';
}
