import { randomUUID } from 'node:crypto';
import type { ApiCall } from '../api-calls';
import { jsonError, type UpstreamResponse } from '../http';

/** One execution as DescribeExecution reports it. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly input: string;
}

/** Where the executions live: the in-process runner, not moto (which does not run them). */
export interface ExecutionSource {
  describeExecution(executionArn: string): ExecutionDescription | undefined;
}

const EXECUTION_ARN = /^arn:[\w-]+:states:[\w-]+:\d{12}:execution:[^:]+:[^:]+$/;

/**
 * Step Functions' DescribeExecution (JSON 1.0) answered from the executions the offline runner
 * runs; any other Step Functions call goes on to moto.
 */
export function answerStates(call: ApiCall, source: ExecutionSource): UpstreamResponse | undefined {
  if (call.operation !== 'DescribeExecution') return undefined;
  const arn = call.params.executionArn;
  if (typeof arn !== 'string' || !EXECUTION_ARN.test(arn))
    return jsonError('InvalidArn', `Invalid Arn: '${String(arn)}'`, 400);
  const found = source.describeExecution(arn);
  if (!found) return jsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`, 400);
  const body = Buffer.from(
    JSON.stringify({
      executionArn: found.executionArn,
      stateMachineArn: found.stateMachineArn,
      name: found.name,
      status: found.status,
      // JSON 1.0 carries timestamps as epoch seconds.
      startDate: found.startDate.getTime() / 1000,
      ...(found.stopDate ? { stopDate: found.stopDate.getTime() / 1000 } : {}),
      input: found.input,
      redriveCount: 0,
    }),
    'utf8',
  );
  return {
    status: 200,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'content-length': String(body.length),
    },
    body,
  };
}
