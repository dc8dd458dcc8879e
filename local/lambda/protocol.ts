/** The messages between a Lambda sandbox (main thread) and its worker thread, and what they carry. */

/** How the Lambda runtime reports an error: what the state machine sees as the Cause. */
export interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult =
  | { ok: true; payload: string; durationMs: number; initDurationMs?: number }
  | { ok: false; error: LambdaErrorPayload; durationMs: number; initDurationMs?: number };

/** A clock that runs `rate` times faster than real time, starting from `epoch` (real ms). */
export interface VirtualClock {
  readonly rate: number;
  readonly epoch: number;
}

export interface WorkerData {
  /** The function's Handler, e.g. `index.handler`. */
  readonly handler: string;
  /** The code directory (LAMBDA_TASK_ROOT). */
  readonly taskRoot: string;
  readonly hideNodeVersionWarning: boolean;
  readonly clock?: VirtualClock;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: string;
  /** The event as JSON. */
  readonly event: string;
  readonly context: Record<string, string>;
  /** Real ms since the epoch when the invocation times out. */
  readonly deadline: number;
}

export type WorkerMessage =
  | { type: 'ready'; moduleInitMs: number }
  | { type: 'initError'; error: LambdaErrorPayload }
  | { type: 'result'; id: string; payload: string }
  | { type: 'error'; id: string; error: LambdaErrorPayload }
  | { type: 'fatal'; error: LambdaErrorPayload };
