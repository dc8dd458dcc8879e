import { randomUUID } from 'node:crypto';
import { parseFunctionRef } from '../../common/arn';
import type { ApiCall } from '../api-calls';
import type { UpstreamResponse } from '../http';

/** A stand-in for a Lambda function: receives the decoded event, returns the result (or throws). */
export type EmulatedFunction = (event: unknown) => unknown;

/**
 * Lambda functions the proxy answers itself: moto cannot run functions without Docker, so a user's
 * function (the deploy hook) is emulated by a callback, with the Lambda service's Invoke semantics.
 */
export class EmulatedFunctions {
  /** Unqualified ARN -> handler. */
  private readonly functions = new Map<string, EmulatedFunction>();

  emulate(functionArn: string, handler: EmulatedFunction): void {
    this.functions.set(parseFunctionRef(functionArn).arn ?? functionArn, handler);
  }

  /** The handler an `Invoke` call reaches (by name, partial ARN or ARN, any qualifier). */
  find(call: ApiCall): EmulatedFunction | undefined {
    if (call.service !== 'lambda' || call.operation !== 'Invoke') return undefined;
    const ref = parseFunctionRef(String(call.params.FunctionName ?? ''));
    for (const [arn, handler] of this.functions) {
      if (ref.arn !== undefined ? ref.arn === arn : ref.name === parseFunctionRef(arn).name) return handler;
    }
    return undefined;
  }
}

/** Invoke's answer: the handler's result as the payload, a thrown error as an `Unhandled` function error. */
export async function invokeEmulated(fn: EmulatedFunction, body: Buffer): Promise<UpstreamResponse> {
  const requestId = randomUUID();
  const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
  let payload: string;
  let functionError: Record<string, string> = {};
  try {
    const event: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    payload = JSON.stringify((await fn(event)) ?? null);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    payload = JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] });
    functionError = { 'x-amz-function-error': 'Unhandled' };
  }
  const data = Buffer.from(payload, 'utf8');
  return {
    status: 200,
    headers: {
      ...headers,
      ...functionError,
      'x-amz-executed-version': '$LATEST',
      'content-length': String(data.length),
    },
    body: data,
  };
}
