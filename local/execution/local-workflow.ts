import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { SynthesizedFunction, SynthesizedWorkflow } from '../assembly/types';
import { parseFunctionRef } from '../common/arn';
import { isObject, type Json } from '../common/json';
import { matchesEventPattern } from '../events/pattern';
import { busEvent, matchedTargets, type PutEventsEntry } from '../events/put-events';
import { targetInput } from '../events/target-input';
import { functionEnvironment } from '../lambda/environment';
import { FunctionPool } from '../lambda/pool';
import type { InvokeResult } from '../lambda/protocol';
import type { ExecutionDescription } from '../proxy/states/service';
import {
  adaptDefinitionForLibrary,
  isValidExecutionName,
  LAMBDA_ARN,
  LAMBDA_INVOKE,
  MAX_PAYLOAD_BYTES,
  walkStates,
} from './asl';
import { Execution, type WorkflowRuntime } from './execution';
import './polyfill';
import { deployTables } from './tables';
import {
  type ExecutionOutcome,
  type ExecutionStatus,
  type LocalExecution,
  type LocalWorkflowOptions,
  type StatusEventDelivery,
  StepFunctionsApiError,
} from './types';

const validatedDefinitions = new Set<string>();

/**
 * Runs the synthesized Step Functions state machine of a cloud assembly offline: aws-local-stepfunctions
 * interprets the ASL exactly as `cdk synth` wrote it, and every Lambda task is bound, by its resolved
 * FunctionName, to the bundled handler code of that function, run in a worker thread that has the
 * function's own environment and timeout.
 */
export class LocalWorkflow implements WorkflowRuntime {
  private readonly taskFaults = new Map<string, { error: string; message: string; left: number }>();
  private readonly invokeListeners = new Map<string, Set<() => void>>();
  readonly machine: StateMachine;
  readonly taskStates = new Map<string, { resource: string }>();
  /** Where the definition handed to aws-local-stepfunctions differs textually from the synthesized one. */
  readonly adjustments: string[];
  readonly opts: LocalWorkflowOptions;
  private readonly region: string;
  private readonly pools = new Map<string, FunctionPool>();
  private readonly functionsByName: Map<string, SynthesizedFunction>;
  private readonly executions = new Map<string, Execution>();
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private closed = false;
  private readonly clockEpoch = Date.now();

  constructor(
    readonly wf: SynthesizedWorkflow,
    opts: LocalWorkflowOptions,
  ) {
    this.opts = opts;
    if (opts.clockRate !== undefined && !(opts.clockRate > 0 && Number.isFinite(opts.clockRate)))
      throw new Error(`clockRate must be a positive number, got ${opts.clockRate}`);
    this.region = opts.region ?? wf.region;
    this.functionsByName = new Map(wf.functions.map((f) => [f.name, f]));
    const adapted = adaptDefinitionForLibrary(wf.stateMachine.definition);
    this.adjustments = adapted.adjustments;

    const problems: string[] = [];
    walkStates(adapted.definition, (name, state) => {
      if (state.Type !== 'Task') return;
      if (this.taskStates.has(name))
        problems.push(`${name}: task names must be unique (overrides are keyed by name)`);
      const resource = typeof state.Resource === 'string' ? state.Resource : '';
      if (LAMBDA_INVOKE.test(resource)) {
        const params = isObject(state.Parameters) ? state.Parameters : {};
        if (typeof params.FunctionName === 'string' && !this.functionFor(params.FunctionName)) {
          problems.push(
            `${name}: FunctionName ${params.FunctionName} is not a function of stack ${wf.stackName}`,
          );
        } else if (typeof params.FunctionName !== 'string' && typeof params['FunctionName.$'] !== 'string') {
          problems.push(`${name}: lambda:invoke without FunctionName`);
        }
      } else if (LAMBDA_ARN.test(resource)) {
        if (!this.functionFor(resource))
          problems.push(`${name}: ${resource} is not a function of stack ${wf.stackName}`);
      } else {
        // Without an override the library would call the real AWS Lambda API.
        problems.push(
          `${name}: Resource ${resource} cannot run offline (only lambda:invoke and Lambda ARNs)`,
        );
      }
      this.taskStates.set(name, { resource });
    });
    if (problems.length > 0)
      throw new Error(`state machine ${wf.stateMachine.name}:\n  ${problems.join('\n  ')}`);

    const text = JSON.stringify(adapted.definition);
    try {
      // asl-validator compiles its schemas on every call (about 0.5 s); a definition is checked once per process.
      this.machine = new StateMachine(adapted.definition as unknown as StateMachineDefinition, {
        validationOptions: validatedDefinitions.has(text)
          ? { noValidate: true }
          : { checkPaths: true, checkArn: true },
      });
    } catch (err) {
      throw new Error(`aws-local-stepfunctions rejected ${wf.stateMachine.name}: ${(err as Error).message}`);
    }
    validatedDefinitions.add(text);
  }

  /**
   * Makes the next `times` invocations of a task state fail before its function runs, as the Lambda
   * service refuses an invoke (e.g. `Lambda.TooManyRequestsException` under account-wide throttling).
   * Returns a function that removes the fault.
   */
  injectTaskFault(state: string, fault: { error: string; message?: string; times?: number }): () => void {
    const entry = {
      error: fault.error,
      message: fault.message ?? `${fault.error} (injected)`,
      left: fault.times ?? 1,
    };
    this.taskFaults.set(state, entry);
    return () => {
      if (this.taskFaults.get(state) === entry) this.taskFaults.delete(state);
    };
  }

  /**
   * Calls `listener` just before every invocation of a task state, before any injected refusal:
   * e.g. to arm a proxy fault for that step only, or to stop the execution while that step runs
   * (Step Functions lets an invocation in flight finish after StopExecution). Returns its remover.
   */
  onInvoke(state: string, listener: () => void): () => void {
    const listeners = this.invokeListeners.get(state) ?? new Set<() => void>();
    listeners.add(listener);
    this.invokeListeners.set(state, listeners);
    return () => listeners.delete(listener);
  }

  /** The injected refusal for this invocation of `state`, if any is left (consulted once per invocation). */
  taskFault(state: string): { readonly error: string; readonly message: string } | undefined {
    for (const listener of [...(this.invokeListeners.get(state) ?? [])]) listener();
    const entry = this.taskFaults.get(state);
    if (!entry || entry.left <= 0) return undefined;
    entry.left -= 1;
    return entry;
  }

  functionFor(ref: string): { fn: SynthesizedFunction; qualifier?: string } | undefined {
    const { name, qualifier, arn } = parseFunctionRef(ref);
    const fn = this.functionsByName.get(name);
    if (!fn || (arn !== undefined && arn !== fn.arn)) return undefined;
    return { fn, qualifier: qualifier === '$LATEST' ? undefined : qualifier };
  }

  pool(fn: SynthesizedFunction): FunctionPool {
    let pool = this.pools.get(fn.name);
    if (!pool) {
      const env = functionEnvironment(fn, {
        region: this.region,
        awsEndpoint: this.opts.awsEndpoint,
        ...(this.opts.env ? { extra: this.opts.env } : {}),
      });
      const onLog =
        this.opts.onLog ?? ((name: string, line: string) => process.stderr.write(`[${name}] ${line}\n`));
      const rate = this.opts.clockRate ?? 1;
      pool = new FunctionPool(fn, env, onLog, rate === 1 ? undefined : { rate, epoch: this.clockEpoch });
      this.pools.set(fn.name, pool);
    }
    return pool;
  }

  /** Creates the template's DynamoDB tables in the AWS endpoint; tables that already exist are left alone. */
  deployResources(): Promise<void> {
    return deployTables(this.wf.tables, { region: this.region, endpoint: this.opts.awsEndpoint });
  }

  /** Like StartExecution. Throws StepFunctionsApiError where StartExecution would return an error. */
  start(input: unknown, opts: { name?: string } = {}): LocalExecution {
    if (this.closed) throw new Error('LocalWorkflow is closed');
    const name = opts.name ?? randomUUID();
    if (!isValidExecutionName(name)) {
      throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const text = input === undefined ? '{}' : JSON.stringify(input);
    if (text === undefined)
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Input exceeds the 262144-byte limit');
    }
    const existing = this.executions.get(name);
    if (existing) {
      // StartExecution is idempotent for a running execution started with the same input.
      if (existing.status === 'RUNNING' && existing.inputJson === text) return existing;
      throw new StepFunctionsApiError(
        'ExecutionAlreadyExists',
        `Execution Already Exists: '${existing.executionArn}'`,
      );
    }
    const exec = new Execution(this, name, JSON.parse(text) as Json);
    this.executions.set(name, exec);
    return exec;
  }

  /** Every execution started so far, newest first (what ListExecutions answers). */
  listExecutions(): Execution[] {
    return [...this.executions.values()].reverse();
  }

  /**
   * Like PutEvents: each entry becomes an event on its bus, and every rule of the stack that matches
   * it and targets this state machine starts an execution with the target's input (InputPath, Input
   * or InputTransformer), as the rule's role would with StartExecution. An execution EventBridge
   * could not start (StartExecution refused it) lands in `deadLettered`, as in the rule's DLQ.
   */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsOutcome[] {
    const where = { account: this.wf.account, region: this.region };
    return entries.map((entry) => {
      const made = busEvent(entry, where);
      if ('error' in made) return { error: made.error, executions: [], deadLettered: [] };
      const executions: LocalExecution[] = [];
      const deadLettered: string[] = [];
      for (const { target, input } of matchedTargets(this.wf.rules, made.bus, made.event)) {
        if (target.arn !== this.wf.stateMachine.arn) continue;
        try {
          executions.push(this.start(input ?? {}));
        } catch (error) {
          deadLettered.push(String(error));
        }
      }
      return { eventId: made.event.id, executions, deadLettered };
    });
  }

  /** Like DescribeExecution: the execution of this state machine with that ARN, if it started here. */
  describeExecution(executionArn: string): ExecutionDescription | undefined {
    const exec = [...this.executions.values()].find((e) => e.executionArn === executionArn);
    if (!exec) return undefined;
    return {
      executionArn: exec.executionArn,
      stateMachineArn: this.wf.stateMachine.arn,
      name: exec.name,
      status: exec.status,
      startDate: exec.startDate,
      ...(exec.stopDate ? { stopDate: exec.stopDate } : {}),
      input: exec.inputJson,
    };
  }

  /**
   * Delivers the final status-change event of an ended execution once more, as EventBridge retries
   * a target whose invocation failed.
   */
  redeliver(executionArn: string): Promise<StatusEventDelivery[]> {
    const exec = [...this.executions.values()].find((e) => e.executionArn === executionArn);
    if (!exec?.outcome) throw new Error(`no ended execution ${executionArn} to deliver again`);
    return this.deliver(exec, exec.outcome.status, exec.outcome);
  }

  /** Delivers a status-change event to the targets of every matching rule, as EventBridge would. */
  deliver(
    exec: Execution,
    status: ExecutionStatus,
    outcome?: ExecutionOutcome,
  ): Promise<StatusEventDelivery[]> {
    const run = async (): Promise<StatusEventDelivery[]> => {
      const event = exec.statusChangeEvent(status, outcome);
      const deliveries: StatusEventDelivery[] = [];
      for (const rule of this.wf.rules) {
        if (!rule.enabled || !matchesEventPattern(rule.eventPattern, event)) continue;
        for (const target of rule.targets) {
          const fn = target.functionName ? this.functionsByName.get(target.functionName) : undefined;
          if (!fn) continue;
          const input = targetInput(target, rule, event);
          let r: InvokeResult;
          try {
            r = await this.pool(fn).invoke(JSON.stringify(input ?? null), randomUUID(), fn.arn);
          } catch (err) {
            r = {
              ok: false,
              durationMs: 0,
              error: { errorType: 'Runner.SandboxError', errorMessage: String(err) },
            };
          }
          const delivery: StatusEventDelivery = {
            rule: rule.name,
            functionName: fn.name,
            status,
            input,
            outcome: r.ok
              ? { ok: true, output: JSON.parse(r.payload) }
              : { ok: false, error: r.error.errorType, cause: JSON.stringify(r.error) },
          };
          exec.recordDelivery(delivery);
          deliveries.push(delivery);
        }
      }
      return deliveries;
    };
    const pending = run().catch((err: unknown) => {
      exec.recordRunnerError(`delivering the ${status} event failed: ${String(err)}`);
      return [];
    });
    this.pendingDeliveries.add(pending);
    void pending.finally(() => this.pendingDeliveries.delete(pending));
    return pending;
  }

  /** Aborts running executions (without status events), waits for deliveries, terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.executions.values()].map((e) => e.abandon()));
    await Promise.all([...this.executions.values()].map((e) => e.statusEvents));
    await Promise.allSettled([...this.pendingDeliveries]);
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}

/** What one PutEvents entry did offline. */
export interface PutEventsOutcome {
  /** Set when the bus took the entry. */
  readonly eventId?: string;
  /** Why the bus refused the entry (nothing was delivered). */
  readonly error?: string;
  /** The executions the matching rules started. */
  readonly executions: LocalExecution[];
  /** StartExecution refusals, which EventBridge would put on the rule's dead-letter queue. */
  readonly deadLettered: string[];
}
