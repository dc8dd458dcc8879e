import { randomUUID } from 'node:crypto';
import type { ExecutionOutcome, ExecutionStatus } from '../execution/types';

export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/** The event Step Functions puts on the default bus for every execution status change. */
export interface StatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    inputDetails: { included: boolean };
    output: string | null;
    outputDetails: { included: boolean } | null;
    error: string | null;
    cause: string | null;
    stateMachineVersionArn: string | null;
    stateMachineAliasArn: string | null;
    redriveCount: number;
    redriveDate: number | null;
    redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
    redriveStatusReason: string | null;
  };
}

/** What the status-change event says about one execution. */
export interface ExecutionFacts {
  readonly account: string;
  readonly region: string;
  readonly stateMachineArn: string;
  readonly executionArn: string;
  readonly name: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly inputJson: string;
  /** The StopExecution request, if any (its error and cause reach the ABORTED event). */
  readonly stopRequest?: { error?: string; cause?: string };
}

export function statusChangeEvent(
  exec: ExecutionFacts,
  status: ExecutionStatus,
  outcome?: ExecutionOutcome,
): StatusChangeEvent {
  const now = new Date();
  const ended = status !== 'RUNNING';
  const failed = outcome?.status === 'FAILED' ? outcome : undefined;
  const aborted = status === 'ABORTED' ? exec.stopRequest : undefined;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: 'aws.states',
    account: exec.account,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: exec.region,
    resources: [exec.executionArn],
    detail: {
      executionArn: exec.executionArn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status,
      startDate: exec.startDate.getTime(),
      stopDate: ended ? (exec.stopDate ?? now).getTime() : null,
      input: exec.inputJson,
      inputDetails: { included: true },
      output: outcome?.status === 'SUCCEEDED' ? JSON.stringify(outcome.output) : null,
      outputDetails: outcome?.status === 'SUCCEEDED' ? { included: true } : null,
      error: failed?.error ?? aborted?.error ?? null,
      cause: failed?.cause ?? aborted?.cause ?? null,
      stateMachineVersionArn: null,
      stateMachineAliasArn: null,
      redriveCount: 0,
      redriveDate: null,
      redriveStatus:
        status === 'FAILED' || status === 'ABORTED' || status === 'TIMED_OUT'
          ? 'REDRIVABLE'
          : 'NOT_REDRIVABLE',
      redriveStatusReason:
        status === 'RUNNING' || status === 'SUCCEEDED'
          ? `Execution is ${status} and cannot be redriven`
          : null,
    },
  };
}
