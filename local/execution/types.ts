export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: string; cause: string }
  | { status: 'ABORTED' }
  | { status: 'TIMED_OUT' };

export interface StatusEventDelivery {
  rule: string;
  functionName: string;
  status: ExecutionStatus;
  /** What the target function received (the event, or the target's Input / InputPath / InputTransformer). */
  input: unknown;
  outcome: { ok: true; output: unknown } | { ok: false; error: string; cause: string };
}

interface At {
  timestamp: number;
}
export type HistoryEvent =
  | (At & { type: 'ExecutionStarted'; input: unknown })
  | (At & { type: 'StateEntered'; state: string; stateType: string; input: unknown })
  | (At & { type: 'StateExited'; state: string; stateType: string; output: unknown })
  | (At & { type: 'StateFailed'; state: string; stateType: string; error: string; cause: string })
  | (At & { type: 'StateRetried'; state: string; stateType: string; attempt: number })
  | (At & { type: 'StateCaught'; state: string; stateType: string; next: string })
  | (At & {
      type: 'LambdaInvoked';
      state: string;
      functionName: string;
      requestId: string;
      payload: unknown;
    })
  | (At & {
      type: 'LambdaSucceeded';
      state: string;
      functionName: string;
      requestId: string;
      output: unknown;
      durationMs: number;
      initDurationMs?: number;
    })
  | (At & {
      type: 'LambdaFailed';
      state: string;
      functionName: string;
      requestId: string;
      error: string;
      cause: string;
      durationMs: number;
      initDurationMs?: number;
    })
  | (At & { type: 'ExecutionSucceeded'; output: unknown })
  | (At & { type: 'ExecutionFailed'; error: string; cause: string })
  | (At & { type: 'ExecutionAborted'; error?: string; cause?: string })
  | (At & { type: 'ExecutionTimedOut' })
  | (At & { type: 'RunnerError'; state?: string; error: string; message: string })
  | (At & { type: 'StatusEventDelivered'; delivery: StatusEventDelivery })
  | (At & { type: 'LibraryEvent'; name: string; detail: unknown });

export interface LocalExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly startDate: Date;
  readonly status: ExecutionStatus;
  /** Settles when the execution ends, like DescribeExecution leaving RUNNING. Never rejects. */
  readonly result: Promise<ExecutionOutcome>;
  /** Settles once every status-change event of this execution has been delivered to matching rule targets. */
  readonly statusEvents: Promise<StatusEventDelivery[]>;
  /** Like StopExecution; resolves after the ABORTED event reached the rule targets (as EventBridge would deliver it). */
  stop(opts?: { error?: string; cause?: string }): Promise<void>;
  readonly history: readonly HistoryEvent[];
  /** State transitions as Step Functions bills them: every state entered, plus every retry. */
  transitions(): number;
}

export interface LocalWorkflowOptions {
  /** Endpoint of the AWS API emulator (moto); handlers reach it through AWS_ENDPOINT_URL. */
  awsEndpoint: string;
  region?: string;
  /** Extra environment for every function (after the function's own variables). */
  env?: Record<string, string>;
  /** Wait state name -> milliseconds to wait instead of Seconds/SecondsPath/Timestamp. */
  waitTimeOverridesMs?: Record<string, number>;
  /** Retryable state name -> milliseconds between retries instead of IntervalSeconds/BackoffRate. */
  retryIntervalOverridesMs?: Record<string, number | number[]>;
  /** Receives every line a handler writes; defaults to stderr prefixed with the function name. */
  onLog?: (functionName: string, line: string) => void;
  /**
   * Runs the handlers' clocks this many times faster than real time (Date, setTimeout, setInterval
   * and the Lambda timeout), so that long bakes can be measured in a short run. Default 1. The state
   * machine itself keeps real time; only the functions' view of time changes.
   */
  clockRate?: number;
}

/** An error StartExecution would return (ExecutionAlreadyExists, InvalidName, ...). */
export class StepFunctionsApiError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
