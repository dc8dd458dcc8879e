import { randomUUID } from 'node:crypto';
import type { Json, JsonObject } from '../common/json';

/** Thrown by a task override for a failed invocation; the library turns name/message into Error/Cause. */
export class TaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Errors Step Functions raises that neither Retry nor Catch (not even States.ALL) may handle. */
export class TerminalTaskFailure extends TaskFailure {
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** The output of the `lambda:invoke` integration (what `$.Payload` selectors read from). */
export function lambdaInvokeOutput(
  payload: Json,
  statusCode: number,
  requestId: string,
  qualifier?: string,
): JsonObject {
  const version = qualifier && /^\d+$/.test(qualifier) ? qualifier : '$LATEST';
  const body = statusCode === 202 ? '' : JSON.stringify(payload);
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': 'application/json',
    Date: new Date().toUTCString(),
    'X-Amz-Executed-Version': version,
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
  };
  return {
    ExecutedVersion: version,
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}
