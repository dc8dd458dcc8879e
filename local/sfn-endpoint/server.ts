import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Execution } from '../execution/execution';
import type { LocalWorkflow } from '../execution/local-workflow';
import { StepFunctionsApiError } from '../execution/types';
import { jsonBody } from '../proxy/api-calls';
import { jsonError, readBody, send, Upstream, type UpstreamResponse } from '../proxy/http';
import { wireHistory } from './history';

const TARGET_PREFIX = 'AWSStepFunctions.';
const FUNCTION_CONFIGURATION = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;
const HISTORY_PAGE = 1000;

/** A Step Functions API error as the JSON protocol answers it (HTTP 400 with `__type`). */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One AWS endpoint for tools that drive the offline runner from outside (the `bluegreen` CLI, a
 * user's script): it answers what the runner itself hosts, the Step Functions API of the local
 * state machine (ListStateMachines, DescribeStateMachine, StartExecution, DescribeExecution,
 * ListExecutions, GetExecutionHistory, StopExecution) and Lambda GetFunctionConfiguration of the
 * stack's functions, and sends every other request on to the honest proxy in front of moto.
 */
export class StepFunctionsEndpoint {
  readonly endpoint: string;
  private readonly upstream: Upstream;

  private constructor(
    private readonly server: http.Server,
    private readonly workflow: LocalWorkflow,
    awsEndpoint: string,
  ) {
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.upstream = new Upstream(awsEndpoint);
  }

  /** Serves `workflow` on a free port of 127.0.0.1, forwarding the rest to `awsEndpoint`. */
  static async start(workflow: LocalWorkflow, awsEndpoint: string): Promise<StepFunctionsEndpoint> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const endpoint = new StepFunctionsEndpoint(server, workflow, awsEndpoint);
    server.on('request', (req, res) => {
      endpoint.handle(req, res).catch((error: unknown) => {
        send(res, jsonError('InternalFailure', String(error), 500));
      });
    });
    return endpoint;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.upstream.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.startsWith(TARGET_PREFIX)) {
      send(res, this.answer(target.slice(TARGET_PREFIX.length), jsonBody(body)));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://endpoint');
    const config = FUNCTION_CONFIGURATION.exec(url.pathname);
    const fn =
      config && req.method === 'GET'
        ? this.workflow.functionFor(decodeURIComponent(config[1] ?? ''))
        : undefined;
    if (fn) {
      send(
        res,
        json(200, {
          FunctionName: fn.fn.name,
          FunctionArn: fn.fn.arn,
          Runtime: fn.fn.runtime,
          Handler: fn.fn.handler,
          Timeout: fn.fn.timeoutSeconds,
          MemorySize: fn.fn.memoryMb,
          Role: fn.fn.role.arn,
          Environment: { Variables: fn.fn.environment },
          State: 'Active',
          LastUpdateStatus: 'Successful',
          Version: '$LATEST',
        }),
      );
      return;
    }
    send(res, await this.upstream.forward(req, body));
  }

  private answer(operation: string, params: Record<string, unknown>): UpstreamResponse {
    try {
      return json(200, this.operate(operation, params));
    } catch (error) {
      if (error instanceof ApiError) return jsonError(error.code, error.message, 400);
      if (error instanceof StepFunctionsApiError) return jsonError(error.name, error.message, 400);
      throw error;
    }
  }

  private operate(operation: string, params: Record<string, unknown>): Record<string, unknown> {
    const sm = this.workflow.wf.stateMachine;
    switch (operation) {
      case 'ListStateMachines':
        return {
          stateMachines: [{ stateMachineArn: sm.arn, name: sm.name, type: sm.type, creationDate: 0 }],
        };
      case 'DescribeStateMachine':
        this.expectStateMachine(params.stateMachineArn);
        return {
          stateMachineArn: sm.arn,
          name: sm.name,
          status: 'ACTIVE',
          definition: JSON.stringify(sm.definition),
          roleArn: sm.roleArn,
          type: sm.type,
          creationDate: 0,
        };
      case 'StartExecution': {
        this.expectStateMachine(params.stateMachineArn);
        let input: unknown;
        try {
          input = typeof params.input === 'string' ? JSON.parse(params.input) : {};
        } catch {
          throw new ApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
        }
        const exec = this.workflow.start(input, typeof params.name === 'string' ? { name: params.name } : {});
        return { executionArn: exec.executionArn, startDate: exec.startDate.getTime() / 1000 };
      }
      case 'DescribeExecution':
        return describe(this.execution(params.executionArn), sm.arn);
      case 'ListExecutions': {
        this.expectStateMachine(params.stateMachineArn);
        const filter = typeof params.statusFilter === 'string' ? params.statusFilter : undefined;
        const max = typeof params.maxResults === 'number' && params.maxResults > 0 ? params.maxResults : 100;
        const executions = this.workflow
          .listExecutions()
          .filter((e) => !filter || e.status === filter)
          .slice(0, max)
          .map((e) => summary(e, sm.arn));
        return { executions };
      }
      case 'GetExecutionHistory': {
        const exec = this.execution(params.executionArn);
        let events = wireHistory(exec.history, sm.roleArn, this.workflow.wf.region);
        if (params.reverseOrder === true) events = events.reverse();
        const start = typeof params.nextToken === 'string' ? Number(params.nextToken) : 0;
        const max =
          typeof params.maxResults === 'number' && params.maxResults > 0 ? params.maxResults : HISTORY_PAGE;
        const page = events.slice(start, start + max);
        const next = start + max < events.length ? { nextToken: String(start + max) } : {};
        return { events: page, ...next };
      }
      case 'StopExecution': {
        const exec = this.execution(params.executionArn);
        void exec.stop({
          ...(typeof params.error === 'string' ? { error: params.error } : {}),
          ...(typeof params.cause === 'string' ? { cause: params.cause } : {}),
        });
        return { stopDate: Date.now() / 1000 };
      }
      default:
        throw new ApiError('UnknownOperationException', `the offline runner does not answer ${operation}`);
    }
  }

  private expectStateMachine(arn: unknown): void {
    if (arn !== this.workflow.wf.stateMachine.arn) {
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(arn)}'`);
    }
  }

  private execution(arn: unknown): Execution {
    const exec = this.workflow.listExecutions().find((e) => e.executionArn === arn);
    if (!exec) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return exec;
  }
}

function summary(exec: Execution, stateMachineArn: string): Record<string, unknown> {
  return {
    executionArn: exec.executionArn,
    stateMachineArn,
    name: exec.name,
    status: exec.status,
    startDate: exec.startDate.getTime() / 1000,
    ...(exec.stopDate ? { stopDate: exec.stopDate.getTime() / 1000 } : {}),
  };
}

function describe(exec: Execution, stateMachineArn: string): Record<string, unknown> {
  const outcome = exec.outcome;
  return {
    ...summary(exec, stateMachineArn),
    input: exec.inputJson,
    ...(outcome?.status === 'SUCCEEDED' ? { output: JSON.stringify(outcome.output ?? null) } : {}),
    ...(outcome?.status === 'FAILED' ? { error: outcome.error, cause: outcome.cause } : {}),
  };
}

function json(status: number, value: unknown): UpstreamResponse {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length) },
    body,
  };
}
