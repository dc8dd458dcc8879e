import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeployFailed,
  type DeployHookEvent,
  type HookAnswer,
  hookAnswerSchema,
  type TrafficHookEvent,
} from '../contract';
import { traced } from '../observability';
import { isTransient } from './transient';

let lambda: LambdaClient | undefined;

/**
 * How long one call of the hook may take. The hook starts the deploy and answers; it is called again
 * for progress. Bounded so that a poll plus one call stays inside the deploy step's own timeout.
 */
export const HOOK_ANSWER_MS = 20_000;

/** Which hook is called, for the messages, and the error a hook that cannot answer becomes. */
export interface HookCall {
  /** How the messages name the hook, e.g. "deploy hook". */
  readonly label: string;
  readonly functionArn: string;
  readonly attempt: number;
  readonly fail: (message: string, options?: ErrorOptions) => Error;
}

/**
 * Calls a user's hook once with `hookEvent` and reads its answer `{status, message?}`. A function
 * error, a malformed answer, no answer in time or a refused invocation become `call.fail(...)`;
 * throttling is rethrown for the state machine to retry (hooks are idempotent per executionId).
 */
export async function callHook(call: HookCall, hookEvent: unknown): Promise<HookAnswer> {
  const out = await invoke(call, hookEvent);
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  if (out.FunctionError) {
    throw call.fail(
      `${call.label} ${call.functionArn} failed on attempt ${call.attempt}: ${describeHookError(text)}`,
    );
  }
  try {
    return hookAnswerSchema.parse(JSON.parse(text));
  } catch {
    throw call.fail(
      `${call.label} ${call.functionArn} answered ${text.slice(0, 200) || 'nothing'}; it must answer {"status":"SUCCEEDED"|"IN_PROGRESS"|"FAILED","message"?:string}`,
    );
  }
}

/** Calls the user's deploy hook once; anything but a well-formed answer is DeployFailed. */
export function callDeployHook(functionArn: string, hookEvent: DeployHookEvent): Promise<HookAnswer> {
  return callHook(
    {
      label: 'deploy hook',
      functionArn,
      attempt: hookEvent.attempt,
      fail: (message, options) => new DeployFailed(message, options),
    },
    hookEvent,
  );
}

/** The same call for a lifecycle hook (`hooks.beforeTraffic`, `hooks.afterTraffic`). */
export function callTrafficHook(
  call: Omit<HookCall, 'attempt' | 'label'>,
  hookEvent: TrafficHookEvent,
): Promise<HookAnswer> {
  return callHook({ ...call, label: `${hookEvent.phase} hook`, attempt: hookEvent.attempt }, hookEvent);
}

async function invoke(call: HookCall, hookEvent: unknown): Promise<InvokeCommandOutput> {
  lambda ??= traced(new LambdaClient({}));
  const { functionArn, label, attempt } = call;
  try {
    return await lambda.send(
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
      throw call.fail(
        `${label} ${functionArn} did not answer within ${HOOK_ANSWER_MS / 1000} s on attempt ${attempt}; a hook must start its work, answer IN_PROGRESS at once, and report progress when called again`,
        { cause: e },
      );
    }
    throw call.fail(
      `${label} ${functionArn} could not be invoked (${e.name}: ${e.message}); check that it exists and that this workflow may invoke it`,
      { cause: e },
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
