import {
  InvokeCommand,
  type InvokeCommandInput,
  type InvokeCommandOutput,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/deploy';
import { HOOK_ANSWER_MS } from '../../../lambdas/shared/aws/hook';
import type { DeployHookEvent } from '../../../lambdas/shared/contract';
import { DeployFailed } from '../../../lambdas/shared/contract';
import type { WorkflowState } from '../../../lambdas/shared/state';
import { POLL_BUDGET_MS } from '../../../lambdas/shared/step';
import {
  awsError,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  HOOK_ARN,
  onFakeClock,
  quietLogs,
  rejected,
  rejectedWith,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import { fakeClockEachTest, resetEachTest } from './support-mocks';

const NOW = new Date('2026-11-27T12:30:00.000Z');
const HOOK_CONFIG = { deploy: { type: 'lambda-hook' as const, functionArn: HOOK_ARN } };

const lambda = mockClient(LambdaClient);
const config = useConfig(HOOK_CONFIG);

type HookPayload = NonNullable<InvokeCommandOutput['Payload']>;

function payload(text: string): HookPayload {
  return new TextEncoder().encode(text) as HookPayload;
}

function answer(value: unknown): Partial<InvokeCommandOutput> {
  return { StatusCode: 200, Payload: payload(JSON.stringify(value)) };
}

/** The events the hook received, in order. */
function hookEvents(): DeployHookEvent[] {
  return lambda.commandCalls(InvokeCommand).map((call) => {
    const sent: InvokeCommandInput['Payload'] = call.args[0].input.Payload;
    const text = typeof sent === 'string' ? sent : new TextDecoder().decode(sent as Uint8Array);
    return JSON.parse(text) as DeployHookEvent;
  });
}

function deploying(startedAt: Date, attempt: number): WorkflowState {
  return cutoverState({ deploy: { startedAt: startedAt.toISOString(), attempt, status: 'IN_PROGRESS' } });
}

describe('deploy handler with a lambda-hook deploy', () => {
  fakeClockEachTest(NOW);
  resetEachTest(lambda);
  beforeEach(() => {
    quietLogs();
  });

  it('invokes the hook with the idle side, the version and the execution, and reports SUCCEEDED', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(answer({ status: 'SUCCEEDED', message: 'green runs v2' }));

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    expect(state.deploy).toEqual({
      startedAt: NOW.toISOString(),
      attempt: 1,
      status: 'SUCCEEDED',
      message: 'green runs v2',
    });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: HOOK_ARN });
    expect(hookEvents()).toEqual([
      {
        service: 'orders-api',
        color: 'green',
        targetGroupArn: GREEN_TG,
        version: 'v2',
        executionId: EXECUTION_ARN,
        attempt: 1,
      },
    ]);
  });

  it('calls again after IN_PROGRESS with the same executionId and the next attempt', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .resolvesOnce(answer({ status: 'IN_PROGRESS', message: '1 of 2 tasks running' }))
      .resolves(answer({ status: 'SUCCEEDED' }));

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    expect(state.deploy).toMatchObject({ attempt: 2, status: 'SUCCEEDED' });
    expect(hookEvents().map((e) => [e.executionId, e.attempt])).toEqual([
      [EXECUTION_ARN, 1],
      [EXECUTION_ARN, 2],
    ]);
  });

  it('continues the attempt count of an earlier invocation', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(answer({ status: 'SUCCEEDED' }));
    const started = new Date(NOW.getTime() - 50_000);

    // Act
    const state = await onFakeClock(handler(stepEvent(deploying(started, 7))));

    // Assess
    expect(hookEvents()[0]?.attempt).toBe(8);
    expect(state.deploy).toEqual({ startedAt: started.toISOString(), attempt: 8, status: 'SUCCEEDED' });
  });

  it('fails with DeployFailed quoting the hook when it answers FAILED', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(answer({ status: 'FAILED', message: 'image v2 not found' }));

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.name).toBe('DeployFailed');
    expect(error.details.message).toBe('deploy of "v2" to green failed: image v2 not found');
  });

  it('fails with DeployFailed quoting the error when the hook itself throws', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload(
        JSON.stringify({ errorType: 'Error', errorMessage: 'ECS service orders-green not found' }),
      ),
    });

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.details.message).toContain(HOOK_ARN);
    expect(error.details.message).toContain('ECS service orders-green not found');
    expect(error.details.message).not.toContain('errorType');
  });

  it.each([
    ['text that is not JSON', 'OK'],
    ['a status the contract does not know', JSON.stringify({ status: 'DONE' })],
  ])('fails with DeployFailed saying what the hook must answer when it answers %s', async (_case, text) => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload(text) });

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.details.message).toContain(`answered ${text}`);
    expect(error.details.message).toContain('it must answer {"status":"SUCCEEDED"|"IN_PROGRESS"|"FAILED"');
  });

  it('fails with DeployFailed when the deploy is still in progress after healthTimeoutSeconds', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(answer({ status: 'IN_PROGRESS', message: 'pulling the image' }));
    const started = new Date(NOW.getTime() - (config.healthTimeoutSeconds - 5) * 1000);

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(deploying(started, 40)))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.details.message).toBe(
      'deploy of "v2" to green was still in progress after 60 s (healthTimeoutSeconds): pulling the image',
    );
    expect(Date.now() - started.getTime()).toBeLessThanOrEqual(config.healthTimeoutSeconds * 1000);
  });

  it('hands back IN_PROGRESS when its invocation budget is spent, so the state machine calls again', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves(answer({ status: 'IN_PROGRESS', message: 'pulling the image' }));

    // Act
    const state = await onFakeClock(handler(stepEvent(cutoverState())));

    // Assess
    const calls = lambda.commandCalls(InvokeCommand).length;
    expect(calls).toBeGreaterThan(1);
    expect(state.deploy).toEqual({
      startedAt: NOW.toISOString(),
      attempt: calls,
      status: 'IN_PROGRESS',
      message: 'pulling the image',
    });
    expect(Date.now() - NOW.getTime()).toBeLessThanOrEqual(POLL_BUDGET_MS);
  });

  it('fails with DeployFailed naming the hook when it cannot be invoked', async () => {
    // Prepare
    lambda
      .on(InvokeCommand)
      .rejects(awsError('ResourceNotFoundException', `Function not found: ${HOOK_ARN}`, 404));

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.details.message).toContain(`deploy hook ${HOOK_ARN} could not be invoked`);
    expect(error.details.message).toContain('ResourceNotFoundException');
  });

  it('rethrows throttling as it is, so the state machine retries the step', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));

    // Act
    const error = await rejectedWith(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).not.toBeInstanceOf(DeployFailed);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it('fails with DeployFailed when the hook does not answer in time', async () => {
    // Prepare: the SDK rejects with AbortError when the call's abort signal fires
    lambda.on(InvokeCommand).rejects(awsError('AbortError', 'Request aborted'));

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(DeployFailed);
    expect(error.details.message).toContain(
      `deploy hook ${HOOK_ARN} did not answer within ${HOOK_ANSWER_MS / 1000} s on attempt 1`,
    );
    expect(error.details.message).toContain('answer IN_PROGRESS at once');
  });

  it('skips the deploy of a rollback: the previous side already runs its code', async () => {
    // Act
    const state = await handler(stepEvent(rollbackState()));

    // Assess
    expect(state.deploy).toEqual({ startedAt: NOW.toISOString(), attempt: 0, status: 'SKIPPED' });
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });
});

describe('deploy handler with deploy type none', () => {
  afterEach(() => {
    useConfig(HOOK_CONFIG);
  });

  it('skips the deploy and invokes nothing', async () => {
    // Prepare
    useConfig({ deploy: { type: 'none' } });
    let state: WorkflowState | undefined;
    let invocations = -1;

    // Act
    await jest.isolateModulesAsync(async () => {
      const { LambdaClient: IsolatedLambdaClient } = await import('@aws-sdk/client-lambda');
      const isolated = mockClient(IsolatedLambdaClient);
      const deploy = await import('../../../lambdas/deploy');
      state = await deploy.handler(stepEvent(cutoverState()));
      invocations = isolated.calls().length;
      isolated.restore();
    });

    // Assess
    expect(state?.deploy).toMatchObject({ attempt: 0, status: 'SKIPPED' });
    expect(invocations).toBe(0);
  });
});

describe('deploy handler with pollSeconds longer than its invocation budget', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    quietLogs();
  });

  afterEach(() => {
    useConfig(HOOK_CONFIG);
    jest.restoreAllMocks();
  });

  it('hands back IN_PROGRESS at the end of its budget, not at once, so the state machine does not spin', async () => {
    // Prepare: the next call (60 s away) would fall after the budget's end (50 s away)
    useConfig({ ...HOOK_CONFIG, pollSeconds: 60, healthTimeoutSeconds: 600 });
    let state: WorkflowState | undefined;
    let invocations = -1;

    // Act
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-lambda');
      const isolated = mockClient(sdk.LambdaClient);
      try {
        isolated
          .on(sdk.InvokeCommand)
          .resolves(answer({ status: 'IN_PROGRESS', message: 'pulling the image' }));
        const deploy = await import('../../../lambdas/deploy');
        state = await onFakeClock(deploy.handler(stepEvent(cutoverState())));
        invocations = isolated.commandCalls(sdk.InvokeCommand).length;
      } finally {
        isolated.restore();
      }
    });

    // Assess
    expect(state?.deploy).toEqual({
      startedAt: NOW.toISOString(),
      attempt: 1,
      status: 'IN_PROGRESS',
      message: 'pulling the image',
    });
    expect(invocations).toBe(1);
    expect(Date.now() - NOW.getTime()).toBeGreaterThanOrEqual(POLL_BUDGET_MS);
  });
});
