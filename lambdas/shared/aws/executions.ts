import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { traced } from '../observability';

let sfn: SFNClient | undefined;

/** What Step Functions says of an execution; `MISSING` when it has no such execution. */
export type ExecutionState =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'ABORTED'
  | 'TIMED_OUT'
  | 'PENDING_REDRIVE'
  | 'MISSING';

/**
 * The execution a lease owner names: the cleanup of a stopped execution holds the lease as
 * `<executionArn>#cleanup`, which is still that (ended) execution.
 */
export function ownerExecution(owner: string): string {
  const hash = owner.indexOf('#');
  return hash === -1 ? owner : owner.slice(0, hash);
}

/** Asks Step Functions whether the execution is still running (DescribeExecution). */
export async function executionState(executionArn: string): Promise<ExecutionState> {
  sfn ??= traced(new SFNClient({}));
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return (out.status ?? 'MISSING') as ExecutionState;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return 'MISSING';
    throw error;
  }
}
