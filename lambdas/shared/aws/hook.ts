import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { DeployFailed, type DeployHookEvent, type HookAnswer, hookAnswerSchema } from '../contract';
import { traced } from '../observability';
import { isTransient } from './transient';

let lambda: LambdaClient | undefined;

/**
 * How long one call of the hook may take. The hook starts the deploy and answers; it is called again
 * for progress. Bounded so that a poll plus one call stays inside the deploy step's own timeout.
 */
export const HOOK_ANSWER_MS = 20_000;

/** Calls the user's deploy hook once; anything but a well-formed answer is DeployFailed. */
export async function callDeployHook(functionArn: string, hookEvent: DeployHookEvent): Promise<HookAnswer> {
  const out = await invoke(functionArn, hookEvent);
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  if (out.FunctionError) {
    throw new DeployFailed(
      `deploy hook ${functionArn} failed on attempt ${hookEvent.attempt}: ${describeHookError(text)}`,
    );
  }
  try {
    return hookAnswerSchema.parse(JSON.parse(text));
  } catch {
    throw new DeployFailed(
      `deploy hook ${functionArn} answered ${text.slice(0, 200) || 'nothing'}; it must answer {"status":"SUCCEEDED"|"IN_PROGRESS"|"FAILED","message"?:string}`,
    );
  }
}

async function invoke(functionArn: string, hookEvent: DeployHookEvent): Promise<InvokeCommandOutput> {
  lambda ??= traced(new LambdaClient({}));
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
      throw new DeployFailed(
        `deploy hook ${functionArn} did not answer within ${HOOK_ANSWER_MS / 1000} s on attempt ${hookEvent.attempt}; a hook must start the deploy, answer IN_PROGRESS at once, and report progress when called again`,
        { cause: e },
      );
    }
    throw new DeployFailed(
      `deploy hook ${functionArn} could not be invoked (${e.name}: ${e.message}); check that it exists and that this workflow may invoke it`,
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
