import type { HistoryEvent } from '../execution/types';

/** One event of GetExecutionHistory as the Step Functions JSON protocol sends it (timestamps in epoch seconds). */
interface WireEventBody {
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export interface WireHistoryEvent extends WireEventBody {
  readonly id: number;
  readonly previousEventId: number;
}

const LAMBDA = { resourceType: 'lambda', resource: 'invoke' } as const;

function text(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * The runner's history of one execution as Step Functions records it: `<Type>StateEntered` /
 * `<Type>StateExited` around each state, `TaskScheduled`/`TaskStarted`/`TaskSucceeded`/`TaskFailed`
 * for a Lambda task, and the execution's own start and end. Events Step Functions has no name for
 * (the runner's retries, catches, deliveries, library notes) are left out.
 */
export function wireHistory(
  history: readonly HistoryEvent[],
  roleArn: string,
  region: string,
): WireHistoryEvent[] {
  const events: WireEventBody[] = [];
  for (const ev of history) {
    const timestamp = ev.timestamp / 1000;
    switch (ev.type) {
      case 'ExecutionStarted':
        events.push({
          timestamp,
          type: 'ExecutionStarted',
          executionStartedEventDetails: { input: text(ev.input), roleArn },
        });
        break;
      case 'StateEntered':
        events.push({
          timestamp,
          type: `${ev.stateType}StateEntered`,
          stateEnteredEventDetails: { name: ev.state, input: text(ev.input) },
        });
        break;
      case 'StateExited':
        events.push({
          timestamp,
          type: `${ev.stateType}StateExited`,
          stateExitedEventDetails: { name: ev.state, output: text(ev.output) },
        });
        break;
      case 'LambdaInvoked':
        events.push({
          timestamp,
          type: 'TaskScheduled',
          taskScheduledEventDetails: {
            ...LAMBDA,
            region,
            parameters: text({ FunctionName: ev.functionName, Payload: ev.payload }),
          },
        });
        events.push({ timestamp, type: 'TaskStarted', taskStartedEventDetails: { ...LAMBDA } });
        break;
      case 'LambdaSucceeded':
        events.push({
          timestamp,
          type: 'TaskSucceeded',
          taskSucceededEventDetails: { ...LAMBDA, output: text(ev.output) },
        });
        break;
      case 'LambdaFailed':
        events.push({
          timestamp,
          type: 'TaskFailed',
          taskFailedEventDetails: { ...LAMBDA, error: ev.error, cause: ev.cause },
        });
        break;
      case 'ExecutionSucceeded':
        events.push({
          timestamp,
          type: 'ExecutionSucceeded',
          executionSucceededEventDetails: { output: text(ev.output) },
        });
        break;
      case 'ExecutionFailed':
        events.push({
          timestamp,
          type: 'ExecutionFailed',
          executionFailedEventDetails: { error: ev.error, cause: ev.cause },
        });
        break;
      case 'ExecutionAborted':
        events.push({
          timestamp,
          type: 'ExecutionAborted',
          executionAbortedEventDetails: { error: ev.error, cause: ev.cause },
        });
        break;
      case 'ExecutionTimedOut':
        events.push({ timestamp, type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} });
        break;
      default:
        break;
    }
  }
  return events.map((ev, i) => ({ ...ev, id: i + 1, previousEventId: i }));
}
