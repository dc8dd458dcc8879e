import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type StateMachine,
} from 'aws-local-stepfunctions';
import type { SynthesizedFunction, SynthesizedWorkflow } from '../assembly/types';
import type { Json, JsonObject } from '../common/json';
import { type StatusChangeEvent, statusChangeEvent } from '../events/status-event';
import type { FunctionPool } from '../lambda/pool';
import type { InvokeResult } from '../lambda/protocol';
import { LAMBDA_INVOKE, MAX_PAYLOAD_BYTES, walkStates } from './asl';
import { historyEventOf, type JsonValueLib, type LibraryEvent, type LibraryRun } from './history';
import { lambdaInvokeOutput, TaskFailure, TerminalTaskFailure } from './lambda-task';
import type {
  ExecutionOutcome,
  ExecutionStatus,
  HistoryEvent,
  LocalExecution,
  LocalWorkflowOptions,
  StatusEventDelivery,
} from './types';

type TaskHandler = (input: JsonValueLib) => Promise<JsonValueLib>;

interface RunnerError {
  state?: string;
  error: string;
  message: string;
}

/** What an execution needs of the workflow that started it. */
export interface WorkflowRuntime {
  readonly wf: SynthesizedWorkflow;
  readonly machine: StateMachine;
  readonly taskStates: Map<string, { resource: string }>;
  readonly opts: LocalWorkflowOptions;
  pool(fn: SynthesizedFunction): FunctionPool;
  functionFor(ref: string): { fn: SynthesizedFunction; qualifier?: string } | undefined;
  taskFault(state: string): { readonly error: string; readonly message: string } | undefined;
  deliver(
    exec: Execution,
    status: ExecutionStatus,
    outcome?: ExecutionOutcome,
  ): Promise<StatusEventDelivery[]>;
}

/**
 * One execution of the state machine in aws-local-stepfunctions, with its history as Step Functions
 * would record it, its Lambda tasks run in the function pools, and its status-change events.
 */
export class Execution implements LocalExecution {
  readonly executionArn: string;
  readonly history: HistoryEvent[] = [];
  readonly result: Promise<ExecutionOutcome>;
  readonly statusEvents: Promise<StatusEventDelivery[]>;
  readonly startDate = new Date();
  readonly inputJson: string;
  stopDate?: Date;
  private ended?: ExecutionOutcome;
  private stopRequest?: { error?: string; cause?: string };
  private silent = false;
  // Set as soon as the library reports the execution aborted or timed out, before settle() runs.
  private halted = false;
  private runnerError?: RunnerError;
  private readonly run: LibraryRun;
  private readonly thrown = new Map<string, number>();
  private readonly runningDelivery: Promise<StatusEventDelivery[]>;

  constructor(
    private readonly rt: WorkflowRuntime,
    readonly name: string,
    input: Json,
  ) {
    const { wf } = rt;
    this.inputJson = JSON.stringify(input);
    this.executionArn = `arn:${wf.partition}:states:${wf.region}:${wf.account}:execution:${wf.stateMachine.name}:${name}`;
    const handlers: Record<string, TaskHandler> = {};
    for (const [stateName, task] of rt.taskStates) {
      handlers[stateName] = (i) => {
        const pending = this.runTask(stateName, task.resource, i);
        // The library drops a task's promise when it throws before awaiting it (or after an abort);
        // the no-op handler keeps that from becoming an unhandled rejection. The library still sees it.
        pending.catch(() => {});
        return pending;
      };
    }
    this.run = rt.machine.run(input as JsonValueLib, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: rt.opts.waitTimeOverridesMs,
        retryIntervalOverrides: rt.opts.retryIntervalOverridesMs,
      },
      // The library fills in Execution.Input and Execution.StartTime itself.
      context: {
        Execution: { Id: this.executionArn, Name: name, RoleArn: wf.stateMachine.roleArn, RedriveCount: 0 },
        StateMachine: { Id: wf.stateMachine.arn, Name: wf.stateMachine.name },
      },
    });
    const consumed = this.consume();
    this.runningDelivery = rt.deliver(this, 'RUNNING');
    this.result = this.settle(consumed).catch((err: unknown) => {
      const outcome: ExecutionOutcome = {
        status: 'FAILED',
        error: 'Runner.InternalError',
        cause: String(err),
      };
      this.ended = outcome;
      return outcome;
    });
    this.statusEvents = this.result.then(async (outcome) => {
      const running = await this.runningDelivery;
      if (this.silent || this.runnerError) return running;
      return [...running, ...(await rt.deliver(this, outcome.status, outcome))];
    });
  }

  get status(): ExecutionStatus {
    return this.ended?.status ?? 'RUNNING';
  }

  get outcome(): ExecutionOutcome | undefined {
    return this.ended;
  }

  async stop(opts: { error?: string; cause?: string } = {}): Promise<void> {
    if (!this.ended && !this.stopRequest) {
      this.stopRequest = opts;
      this.run.abort();
    }
    await this.statusEvents;
  }

  /** Ends the execution without the status-change events (the runner is shutting down). */
  async abandon(): Promise<void> {
    if (!this.ended) {
      this.silent = true;
      this.stopRequest = this.stopRequest ?? {};
      this.run.abort();
    }
    await this.result;
  }

  transitions(): number {
    return this.history.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
  }

  private record(event: HistoryEvent): void {
    this.history.push(event);
  }

  private async consume(): Promise<void> {
    try {
      for await (const ev of this.run.eventLogs) this.onLibraryEvent(ev);
    } catch (err) {
      this.flagRunnerError(undefined, 'Runner.EventLogError', String(err));
    }
  }

  private onLibraryEvent(ev: LibraryEvent): void {
    switch (ev.type) {
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        this.halted = true;
        return;
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
        // Recorded by settle(), which knows the final outcome (stop reason, runner errors).
        return;
    }
    const event = historyEventOf(ev);
    this.record(event);
    if (event.type === 'StateFailed') {
      if (!this.isStepFunctionsError(event.state, event.stateType, event.error, event.cause)) {
        this.flagRunnerError(
          event.state,
          event.error,
          `aws-local-stepfunctions raised ${event.error} in state ${event.state}: ${event.cause}. ` +
            'Step Functions would not raise this error, so a Catch in the definition could hide it; ' +
            'the execution was stopped instead.',
        );
      }
    }
  }

  /** Whether a failed state carries an error Step Functions itself could have produced. */
  private isStepFunctionsError(state: string, stateType: string, error: string, cause: string): boolean {
    if (stateType === 'Fail' || error.startsWith('States.')) return true;
    const key = `${state}\u0000${error}\u0000${cause}`;
    const pending = this.thrown.get(key) ?? 0;
    if (pending === 0) return false;
    this.thrown.set(key, pending - 1);
    return true;
  }

  private flagRunnerError(state: string | undefined, error: string, message: string): void {
    if (this.runnerError) return;
    this.runnerError = { state, error, message };
    this.record({ type: 'RunnerError', timestamp: Date.now(), state, error, message });
    this.run.abort();
  }

  private async settle(consumed: Promise<void>): Promise<ExecutionOutcome> {
    let outcome: ExecutionOutcome;
    try {
      const output = await this.run.result;
      outcome = { status: 'SUCCEEDED', output };
    } catch (err) {
      outcome = this.failureOutcome(err);
    }
    await consumed;
    if (this.runnerError) {
      outcome = {
        status: 'FAILED',
        error: 'Runner.InternalError',
        cause: this.runnerError.message,
      };
    }
    this.stopDate = new Date();
    this.ended = outcome;
    const timestamp = this.stopDate.getTime();
    switch (outcome.status) {
      case 'SUCCEEDED':
        this.record({ type: 'ExecutionSucceeded', timestamp, output: outcome.output });
        break;
      case 'FAILED':
        this.record({ type: 'ExecutionFailed', timestamp, error: outcome.error, cause: outcome.cause });
        break;
      case 'ABORTED':
        this.record({
          type: 'ExecutionAborted',
          timestamp,
          error: this.stopRequest?.error,
          cause: this.stopRequest?.cause,
        });
        break;
      case 'TIMED_OUT':
        this.record({ type: 'ExecutionTimedOut', timestamp });
        break;
    }
    return outcome;
  }

  private failureOutcome(err: unknown): ExecutionOutcome {
    if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT' };
    if (err instanceof ExecutionError && err.cause instanceof Error) {
      const failed = [...this.history].reverse().find((e) => e.type === 'StateFailed');
      const stateDef = failed && failed.type === 'StateFailed' ? this.findState(failed.state) : undefined;
      if (stateDef?.Type === 'Fail') {
        // The library invents "FailStateError"/"Execution failed because of a Fail state" when a Fail
        // state has no Error/Cause; Step Functions leaves them empty.
        const hasError = stateDef.Error !== undefined || stateDef.ErrorPath !== undefined;
        const hasCause = stateDef.Cause !== undefined || stateDef.CausePath !== undefined;
        return {
          status: 'FAILED',
          error: hasError ? err.cause.name : '',
          cause: hasCause ? err.cause.message : '',
        };
      }
      return { status: 'FAILED', error: err.cause.name, cause: err.cause.message };
    }
    this.flagRunnerError(undefined, 'Runner.InternalError', `the execution ended with ${String(err)}`);
    return { status: 'FAILED', error: 'Runner.InternalError', cause: String(err) };
  }

  private findState(name: string): JsonObject | undefined {
    let found: JsonObject | undefined;
    walkStates(this.rt.wf.stateMachine.definition, (stateName, state) => {
      if (stateName === name) found = state;
    });
    return found;
  }

  private async runTask(state: string, resource: string, input: JsonValueLib): Promise<JsonValueLib> {
    // Yield one macrotask: the library's event log is drained in microtasks, so StateEntered (and any
    // StateFailed that flags a runner error) is recorded before this invocation is.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.runnerError || this.stopRequest || this.halted || this.ended) {
      // The library re-runs a task after a retry backoff even when the execution was aborted meanwhile.
      throw new TerminalTaskFailure('Runner.ExecutionHalted', 'the execution is no longer running');
    }
    const params = (
      typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}
    ) as JsonObject;
    const integration = LAMBDA_INVOKE.test(resource);
    const fnRef = integration ? params.FunctionName : resource;
    const target = typeof fnRef === 'string' ? this.rt.functionFor(fnRef) : undefined;
    if (!target) {
      const message = `state ${state}: no Lambda function of the stack is named ${JSON.stringify(fnRef)}`;
      this.flagRunnerError(state, 'Runner.FunctionNotFound', message);
      throw new TerminalTaskFailure('Runner.FunctionNotFound', message);
    }
    const { fn, qualifier } = target;
    const refused = this.rt.taskFault(state);
    if (refused) {
      // Counted as raised by the task, as the Lambda service's refusal is at Step Functions.
      const key = `${state}\u0000${refused.error}\u0000${refused.message}`;
      this.thrown.set(key, (this.thrown.get(key) ?? 0) + 1);
      throw new TaskFailure(refused.error, refused.message);
    }
    const payload: Json = integration ? (params.Payload ?? null) : (input as Json);
    const requestId = randomUUID();
    this.record({
      type: 'LambdaInvoked',
      timestamp: Date.now(),
      state,
      functionName: fn.name,
      requestId,
      payload,
    });
    const invokedArn = qualifier ? `${fn.arn}:${qualifier}` : fn.arn;
    const eventJson = JSON.stringify(payload);
    const pool = this.rt.pool(fn);

    if (integration && params.InvocationType === 'Event') {
      void pool
        .invoke(eventJson, requestId, invokedArn)
        .then((r) => this.recordInvocation(state, fn.name, requestId, r));
      return lambdaInvokeOutput('', 202, requestId, qualifier) as JsonValueLib;
    }

    let r: InvokeResult;
    try {
      r = await pool.invoke(eventJson, requestId, invokedArn);
    } catch (err) {
      const message = `state ${state}: could not run ${fn.name}: ${String(err)}`;
      this.flagRunnerError(state, 'Runner.SandboxError', message);
      throw new TerminalTaskFailure('Runner.SandboxError', message);
    }
    this.recordInvocation(state, fn.name, requestId, r);
    if (!r.ok) {
      const cause = JSON.stringify(r.error);
      const key = `${state}\u0000${r.error.errorType}\u0000${cause}`;
      this.thrown.set(key, (this.thrown.get(key) ?? 0) + 1);
      throw new TaskFailure(r.error.errorType, cause);
    }
    const result = JSON.parse(r.payload) as Json;
    const output = integration ? lambdaInvokeOutput(result, 200, requestId, qualifier) : result;
    if (Buffer.byteLength(JSON.stringify(output)) > MAX_PAYLOAD_BYTES) {
      throw new TerminalTaskFailure(
        'States.DataLimitExceeded',
        `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    return output as JsonValueLib;
  }

  private recordInvocation(state: string, functionName: string, requestId: string, r: InvokeResult): void {
    const timestamp = Date.now();
    const durationMs = Math.round(r.durationMs * 100) / 100;
    const initDurationMs =
      r.initDurationMs === undefined ? undefined : Math.round(r.initDurationMs * 100) / 100;
    const common = {
      timestamp,
      state,
      functionName,
      requestId,
      durationMs,
      initDurationMs,
    };
    if (r.ok) this.record({ type: 'LambdaSucceeded', ...common, output: JSON.parse(r.payload) });
    else
      this.record({
        type: 'LambdaFailed',
        ...common,
        error: r.error.errorType,
        cause: JSON.stringify(r.error),
      });
  }

  statusChangeEvent(status: ExecutionStatus, outcome?: ExecutionOutcome): StatusChangeEvent {
    const { wf } = this.rt;
    return statusChangeEvent(
      {
        account: wf.account,
        region: wf.region,
        stateMachineArn: wf.stateMachine.arn,
        executionArn: this.executionArn,
        name: this.name,
        startDate: this.startDate,
        stopDate: this.stopDate,
        inputJson: this.inputJson,
        stopRequest: this.stopRequest,
      },
      status,
      outcome,
    );
  }

  recordRunnerError(message: string): void {
    this.record({ type: 'RunnerError', timestamp: Date.now(), error: 'Runner.DeliveryError', message });
  }

  recordDelivery(delivery: StatusEventDelivery): void {
    this.record({ type: 'StatusEventDelivered', timestamp: Date.now(), delivery });
  }
}
