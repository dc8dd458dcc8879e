import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import type { Spinner } from 'nanospinner';
import { CliError } from '../errors';
import { duration, type Output } from '../output';
import type { Service } from '../service';

/** States worth a line: the ones that do work or wait. Choices and passes are bookkeeping. */
const SHOWN_TYPES = new Set(['Task', 'Wait', 'Parallel', 'Map']);

export interface Step {
  readonly name: string;
  readonly type: string;
  readonly enteredAt: string;
  exitedAt?: string;
  durationMs?: number;
  error?: string;
}

export interface WatchResult {
  readonly executionArn: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: unknown;
  readonly steps: Step[];
}

/** The execution ARN for a name or ARN given on the command line; the newest running one without. */
export async function resolveExecution(service: Service, given: string | undefined): Promise<string> {
  if (given?.startsWith('arn:')) return given;
  if (given) return `${service.stateMachineArn.replace(':stateMachine:', ':execution:')}:${given}`;
  const out = await service.clients.sfn.send(
    new ListExecutionsCommand({
      stateMachineArn: service.stateMachineArn,
      statusFilter: 'RUNNING',
      maxResults: 1,
    }),
  );
  const newest = out.executions?.[0]?.executionArn;
  if (!newest) {
    throw new CliError(
      `no execution of ${service.name} is running`,
      'pass an execution name or ARN to watch one that ended (`bluegreen history` lists them)',
    );
  }
  return newest;
}

/**
 * Follows an execution step by step (its history, polled) until it ends, printing each step as it
 * is entered and left, and answers how it ended.
 */
export async function follow(
  service: Service,
  executionArn: string,
  out: Output,
  pollMs: number,
): Promise<WatchResult> {
  const { sfn } = service.clients;
  const steps: Step[] = [];
  const open = new Map<string, Step>();
  let lastId = 0;
  let spinner: Spinner | undefined;
  out.line(`watching ${executionArn}`);
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events = await history(service, executionArn);
    for (const ev of events) {
      if ((ev.id ?? 0) <= lastId) continue;
      lastId = ev.id ?? lastId;
      spinner = onEvent(ev, steps, open, out, spinner);
    }
    if (described.status !== 'RUNNING') {
      spinner?.stop();
      return result(executionArn, described, steps);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function history(service: Service, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await service.clients.sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        nextToken,
        maxResults: 1000,
        includeExecutionData: false,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function onEvent(
  ev: HistoryEvent,
  steps: Step[],
  open: Map<string, Step>,
  out: Output,
  spinner: Spinner | undefined,
): Spinner | undefined {
  const type = ev.type ?? '';
  const at = ev.timestamp ?? new Date();
  const entered = /^(\w+)StateEntered$/.exec(type);
  if (entered && ev.stateEnteredEventDetails?.name && SHOWN_TYPES.has(entered[1] ?? '')) {
    const step: Step = {
      name: ev.stateEnteredEventDetails.name,
      type: entered[1] ?? '',
      enteredAt: at.toISOString(),
    };
    steps.push(step);
    open.set(step.name, step);
    const s = out.spinner(step.name);
    if (!s) out.line(`  > ${step.name}`);
    return s ?? spinner;
  }
  const exited = /^(\w+)StateExited$/.exec(type);
  const exitedName = ev.stateExitedEventDetails?.name;
  if (exited && exitedName && open.has(exitedName)) {
    const step = open.get(exitedName) as Step;
    open.delete(exitedName);
    step.exitedAt = at.toISOString();
    step.durationMs = at.getTime() - Date.parse(step.enteredAt);
    const text = `${step.name} (${duration(step.durationMs)})`;
    if (spinner) spinner.success({ text });
    else out.line(`  < ${text}`);
    return undefined;
  }
  if (type === 'TaskFailed' && ev.taskFailedEventDetails) {
    const step = steps[steps.length - 1];
    const error = ev.taskFailedEventDetails.error ?? 'failed';
    if (step && !step.exitedAt) step.error = error;
    const text = `${step?.name ?? 'task'} failed: ${error}`;
    if (spinner) spinner.error({ text });
    else out.line(`  ! ${text}`);
    return undefined;
  }
  return spinner;
}

function result(executionArn: string, d: DescribeExecutionCommandOutput, steps: Step[]): WatchResult {
  return {
    executionArn,
    status: d.status ?? 'UNKNOWN',
    ...(d.startDate ? { startDate: d.startDate.toISOString() } : {}),
    ...(d.stopDate ? { stopDate: d.stopDate.toISOString() } : {}),
    ...(d.output !== undefined ? { output: parsed(d.output) } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    ...(d.cause !== undefined ? { cause: parsed(d.cause) } : {}),
    steps,
  };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The end of an execution for people: status, and the error with its cause's message when it failed. */
export function printEnd(r: WatchResult, out: Output): void {
  if (r.status === 'SUCCEEDED') {
    out.line(
      `SUCCEEDED${r.startDate && r.stopDate ? ` in ${duration(Date.parse(r.stopDate) - Date.parse(r.startDate))}` : ''}`,
    );
    return;
  }
  const cause = r.cause as { message?: unknown; live?: unknown } | string | undefined;
  const message =
    typeof cause === 'object' && cause && typeof cause.message === 'string' ? cause.message : cause;
  out.line(`${r.status}${r.error ? `: ${r.error}` : ''}`);
  if (message) out.line(`  cause: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  if (typeof cause === 'object' && cause && typeof cause.live === 'string') out.line(`  live: ${cause.live}`);
}
