import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ddb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import {
  adaptDefinitionForLibrary,
  type HistoryEvent,
  type JsonObject,
  type LocalExecution,
  LocalWorkflow,
  loadWorkflow,
  type StatusChangeEvent,
  type SynthesizedFunction,
  type SynthesizedWorkflow,
} from '../../../local';
import { type MotoServer, startMoto } from '../../../local/moto';

const STACK = 'SfnRunnerTest';
const FIXTURES = join(__dirname, 'fixtures');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * A small app with the features of the product's workflow: LambdaInvoke tasks with
 * retryOnServiceExceptions and their own timeouts, a Choice loop, a Wait with SecondsPath, catches by
 * error name and States.ALL leading to Fail states with ErrorPath/CausePath, a state machine timeout,
 * a DynamoDB table whose name reaches handlers through a Ref, and a status-change rule.
 */
function synthTestApp(outdir: string): void {
  // The built-in CloudFormation validation costs about 3 s per synth and nothing here depends on it.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new Stack(app, STACK);
  const table = new ddb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: ddb.AttributeType.STRING },
    sortKey: { name: 'sk', type: ddb.AttributeType.STRING },
    timeToLiveAttribute: 'ttl',
    billingMode: ddb.BillingMode.PAY_PER_REQUEST,
  });
  const fn = (
    id: string,
    entry: string,
    environment: Record<string, string>,
    timeoutSeconds: number,
    name?: string,
  ) =>
    new NodejsFunction(stack, id, {
      entry: join(FIXTURES, entry),
      functionName: name,
      runtime: lambda.Runtime.NODEJS_22_X,
      bundling: { externalModules: [], minify: false, sourceMap: false },
      environment,
      timeout: Duration.seconds(timeoutSeconds),
    });
  const step = fn('StepFn', 'step.ts', { ROLE: 'step', SHARED: 'from-step', TABLE_NAME: table.tableName }, 5);
  const gate = fn('GateFn', 'gate.ts', { ROLE: 'gate', ONLY_GATE: 'gate-secret' }, 1, 'runner-test-gate');
  const record = fn('RecordFn', 'recorder.ts', { RECORD_KIND: 'record', TABLE_NAME: table.tableName }, 5);
  const onStatus = fn('OnStatusFn', 'recorder.ts', { RECORD_KIND: 'status', TABLE_NAME: table.tableName }, 5);

  const invoke = (
    id: string,
    target: lambda.IFunction,
    payload: sfn.TaskInput,
    { timeoutSeconds = 10, ...opts }: Partial<tasks.LambdaInvokeProps> & { timeoutSeconds?: number } = {},
  ) =>
    new tasks.LambdaInvoke(stack, id, {
      lambdaFunction: target,
      payload,
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(timeoutSeconds)),
      ...opts,
    });

  const crashed = new sfn.Fail(stack, 'Crashed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });

  const count = invoke(
    'Count',
    step,
    sfn.TaskInput.fromObject({
      action: 'count',
      count: sfn.JsonPath.numberAt('$.result.count'),
      target: sfn.JsonPath.numberAt('$.target'),
      executionId: sfn.JsonPath.stringAt('$$.Execution.Id'),
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
    }),
    {
      resultSelector: { 'count.$': '$.Payload.count', 'done.$': '$.Payload.done', 'detail.$': '$.Payload' },
      resultPath: '$.result',
    },
  );
  const loop = new sfn.Pass(stack, 'Init', {
    parameters: {
      'target.$': '$.target',
      'waitSeconds.$': '$.waitSeconds',
      result: { count: 0, done: false },
    },
  })
    .next(count)
    .next(
      new sfn.Choice(stack, 'Done?')
        .when(
          sfn.Condition.booleanEquals('$.result.done', true),
          invoke(
            'Record',
            record,
            sfn.TaskInput.fromObject({ executionId: sfn.JsonPath.stringAt('$$.Execution.Id') }),
          ).next(new sfn.Succeed(stack, 'Counted')),
        )
        .otherwise(
          new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.secondsPath('$.waitSeconds') }).next(count),
        ),
    );

  const gateTask = invoke('Gate', gate, sfn.TaskInput.fromJsonPathAt('$'), {
    resultSelector: { 'r.$': '$.Payload' },
    outputPath: '$.r',
  });
  gateTask.addCatch(
    new sfn.Fail(stack, 'GateFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
    {
      errors: ['GateError'],
      resultPath: '$.error',
    },
  );
  gateTask.addCatch(crashed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

  const badPath = invoke(
    'BadPath',
    gate,
    sfn.TaskInput.fromObject({ behaviour: 'pass', value: sfn.JsonPath.stringAt('$.missing') }),
  );
  badPath.addCatch(crashed, { errors: [sfn.Errors.ALL], resultPath: '$.error' });

  const envOf = (id: string, target: lambda.IFunction, payload: Record<string, string>, resultPath: string) =>
    invoke(id, target, sfn.TaskInput.fromObject(payload), {
      resultSelector: { 'env.$': '$.Payload.env' },
      resultPath,
    });

  const definition = new sfn.Choice(stack, 'Route')
    .when(sfn.Condition.stringEquals('$.mode', 'loop'), loop)
    .when(sfn.Condition.stringEquals('$.mode', 'gate'), gateTask.next(new sfn.Succeed(stack, 'Passed')))
    .when(sfn.Condition.stringEquals('$.mode', 'badpath'), badPath)
    .when(
      sfn.Condition.stringEquals('$.mode', 'slow'),
      invoke('Slow', step, sfn.TaskInput.fromObject({ action: 'sleep', ms: sfn.JsonPath.numberAt('$.ms') }), {
        timeoutSeconds: 1,
      }),
    )
    .when(
      sfn.Condition.stringEquals('$.mode', 'env'),
      envOf('StepEnv', step, { action: 'env' }, '$.step').next(
        envOf('GateEnv', gate, { behaviour: 'env' }, '$.gate'),
      ),
    )
    .otherwise(
      new sfn.Wait(stack, 'LongWait', { time: sfn.WaitTime.secondsPath('$.seconds') }).next(
        new sfn.Succeed(stack, 'Waited'),
      ),
    );
  const stateMachine = new sfn.StateMachine(stack, 'StateMachine', {
    stateMachineName: 'runner-test',
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    timeout: Duration.seconds(3),
  });
  new events.Rule(stack, 'OnStopOrTimeout', {
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { status: ['ABORTED', 'TIMED_OUT'], stateMachineArn: [stateMachine.stateMachineArn] },
    },
    targets: [new targets.LambdaFunction(onStatus)],
  });
  app.synth();
}

let outdir: string;
let moto: MotoServer;
let wf: SynthesizedWorkflow;
let runner: LocalWorkflow;
let dynamo: DynamoDBClient;
const logs: { fn: string; line: string }[] = [];

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'sfn-runner-'));
  // moto boots in its own process while the (synchronous) synth runs here.
  const motoStarting = startMoto();
  try {
    synthTestApp(outdir);
  } finally {
    moto = await motoStarting;
  }
  // Must never reach a handler: functions get their own environment, not the host's.
  process.env.HOST_ONLY = 'host';
  wf = loadWorkflow(outdir, STACK);
  runner = new LocalWorkflow(wf, {
    awsEndpoint: moto.endpoint,
    env: { FROM_RUNNER: 'yes' },
    onLog: (fn, line) => logs.push({ fn, line }),
  });
  await runner.deployResources();
  dynamo = new DynamoDBClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}, 60_000);

afterAll(async () => {
  delete process.env.HOST_ONLY;
  dynamo?.destroy();
  await runner?.close();
  await moto?.stop();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

function fnOf(logicalIdPrefix: string): SynthesizedFunction {
  const fn = wf.functions.find((f) => f.logicalId.startsWith(logicalIdPrefix));
  if (!fn) throw new Error(`no function ${logicalIdPrefix}`);
  return fn;
}

function ofType<T extends HistoryEvent['type']>(
  exec: LocalExecution,
  type: T,
): Extract<HistoryEvent, { type: T }>[] {
  return exec.history.filter((e): e is Extract<HistoryEvent, { type: T }> => e.type === type);
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function failed(outcome: unknown): { error: string; cause: string } {
  expect(outcome).toMatchObject({ status: 'FAILED' });
  return outcome as { error: string; cause: string };
}

async function item(pk: string, sk: string): Promise<Record<string, string> | undefined> {
  const out = await dynamo.send(
    new GetItemCommand({ TableName: wf.tables[0].name, Key: { pk: { S: pk }, sk: { S: sk } } }),
  );
  if (!out.Item) return undefined;
  return Object.fromEntries(Object.entries(out.Item).map(([k, v]) => [k, v.S ?? '']));
}

describe('loadWorkflow', () => {
  test('resolves the synthesized stack into concrete names, ARNs, environments and asset dirs', () => {
    const table = wf.tables[0];
    expect(wf.stateMachine).toMatchObject({
      name: 'runner-test',
      arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:runner-test`,
      type: 'STANDARD',
      timeoutSeconds: 3,
    });
    expect(wf.stateMachine.roleArn).toMatch(
      new RegExp(`^arn:aws:iam::${ACCOUNT}:role/${STACK}-StateMachineRole`),
    );

    const gate = fnOf('GateFn');
    expect(gate).toMatchObject({
      name: 'runner-test-gate',
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:runner-test-gate`,
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 1,
      memoryMb: 128,
      environment: { ROLE: 'gate', ONLY_GATE: 'gate-secret' },
    });
    const step = fnOf('StepFn');
    // No FunctionName in the template: CloudFormation's <stack>-<logicalId>-<suffix> shape, deterministic.
    expect(step.name).toMatch(new RegExp(`^${STACK}-${step.logicalId}-[0-9A-F]{12}$`));
    expect(loadWorkflow(outdir, STACK).functions.map((f) => f.name)).toEqual(wf.functions.map((f) => f.name));
    expect(step.environment).toEqual({ ROLE: 'step', SHARED: 'from-step', TABLE_NAME: table.name });
    for (const f of wf.functions) expect(existsSync(join(f.assetDir ?? '/nowhere', 'index.js'))).toBe(true);

    expect(table.createTableInput).toMatchObject({
      TableName: table.name,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(table.ttlAttribute).toBe('ttl');
    expect(wf.statusChangeTargets).toEqual([fnOf('OnStatusFn').name]);

    const asl = JSON.stringify(wf.stateMachine.definition);
    expect(asl).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    const states = wf.stateMachine.definition.States as Record<string, JsonObject>;
    expect(states.Count.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect((states.Count.Parameters as JsonObject).FunctionName).toBe(step.arn);
    expect((states.Gate.Parameters as JsonObject).FunctionName).toBe(gate.arn);
  });

  test('names a missing stack', () => {
    expect(() => loadWorkflow(outdir, 'Nope')).toThrow(/stack Nope not found/);
  });
});

describe('LocalWorkflow', () => {
  test('deployResources creates the tables with their key schema, billing mode and TTL, idempotently', async () => {
    await runner.deployResources();
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: wf.tables[0].name }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: wf.tables[0].name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' });
  });

  test('runs a Choice loop with a Wait on SecondsPath, the $$ context and a warm container', async () => {
    const exec = runner.start({ mode: 'loop', target: 2, waitSeconds: 1 }, { name: 'loop-1' });
    expect(exec.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:runner-test:loop-1`);
    const outcome = await exec.result;
    expect(outcome.status).toBe('SUCCEEDED');

    // Record has no selector: the output is the lambda:invoke integration's own result shape.
    const output = (outcome as { output: JsonObject }).output;
    expect(Object.keys(output)).toEqual([
      'ExecutedVersion',
      'Payload',
      'SdkHttpMetadata',
      'SdkResponseMetadata',
      'StatusCode',
    ]);
    expect(output).toMatchObject({
      ExecutedVersion: '$LATEST',
      StatusCode: 200,
      Payload: { recorded: 'record', sk: exec.executionArn, table: wf.tables[0].name },
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
    // The handler wrote through AWS_ENDPOINT_URL into the table deployResources created.
    expect(await item('record', exec.executionArn)).toMatchObject({ pk: 'record', sk: exec.executionArn });

    expect(ofType(exec, 'StateEntered').map((e) => e.state)).toEqual([
      'Route',
      'Init',
      'Count',
      'Done?',
      'Pause',
      'Count',
      'Done?',
      'Record',
      'Counted',
    ]);
    expect(exec.transitions()).toBe(9);

    const counts = ofType(exec, 'LambdaSucceeded')
      .filter((e) => e.state === 'Count')
      .map((e) => e.output as Record<string, number | string | boolean>);
    expect(counts.map((c) => c.count)).toEqual([1, 2]);
    expect(counts[0]).toMatchObject({
      executionId: exec.executionArn,
      executionName: 'loop-1',
      functionName: fnOf('StepFn').name,
    });
    const startTime = Date.parse(String(counts[0].startTime));
    expect(Math.abs(startTime - exec.startDate.getTime())).toBeLessThan(1000);
    expect(Number(counts[0].remainingMs)).toBeGreaterThan(4000);
    expect(Number(counts[0].remainingMs)).toBeLessThanOrEqual(5000);
    // Same worker, module state kept: a warm container.
    expect(counts[1].threadId).toBe(counts[0].threadId);
    expect(counts[1].invocation).toBe(Number(counts[0].invocation) + 1);
    const secondCount = ofType(exec, 'LambdaSucceeded').filter((e) => e.state === 'Count')[1];
    expect(secondCount.initDurationMs).toBeUndefined();

    // Task input/output as Step Functions records them (raw state input, output after ResultPath).
    const countEntered = ofType(exec, 'StateEntered').find((e) => e.state === 'Count');
    expect(countEntered?.input).toEqual({ target: 2, waitSeconds: 1, result: { count: 0, done: false } });
    const countExited = ofType(exec, 'StateExited').find((e) => e.state === 'Count');
    expect(countExited?.output).toMatchObject({ target: 2, result: { count: 1, done: false } });

    // One history, in order: the invocation sits between the task's StateEntered and StateExited.
    const firstCount = exec.history.findIndex((e) => e.type === 'StateEntered' && e.state === 'Count');
    expect(exec.history.slice(firstCount, firstCount + 4).map((e) => e.type)).toEqual([
      'StateEntered',
      'LambdaInvoked',
      'LambdaSucceeded',
      'StateExited',
    ]);
    expect(exec.history.every((e, i) => i === 0 || e.timestamp >= exec.history[i - 1].timestamp)).toBe(true);

    const pause = exec.history.findIndex((e) => e.type === 'StateEntered' && e.state === 'Pause');
    const afterPause = exec.history.slice(pause + 1).find((e) => e.type === 'StateEntered');
    expect((afterPause?.timestamp ?? 0) - exec.history[pause].timestamp).toBeGreaterThanOrEqual(990);

    const requestId = ofType(exec, 'LambdaInvoked').find((e) => e.state === 'Count')?.requestId;
    expect(logs.map((l) => l.line)).toContainEqual(
      expect.stringMatching(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${requestId}\\tINFO\\tcounting 1 of 2$`),
      ),
    );
    // Neither RUNNING nor SUCCEEDED matches the rule's pattern.
    expect(await exec.statusEvents).toEqual([]);
  });

  test('a custom error caught by name reaches a Fail state with ErrorPath/CausePath as Lambda reports it', async () => {
    const exec = runner.start({ mode: 'gate', behaviour: 'gate-error' });
    const { error, cause } = failed(await exec.result);
    expect(error).toBe('GateError');
    const parsed = JSON.parse(cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(Object.keys(parsed)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(parsed).toMatchObject({ errorType: 'GateError', errorMessage: 'alarm orders-5xx is in ALARM' });
    expect(parsed.trace[0]).toBe('GateError: alarm orders-5xx is in ALARM');
    expect(ofType(exec, 'StateCaught').map((e) => [e.state, e.next])).toEqual([['Gate', 'GateFailed']]);
    expect(ofType(exec, 'RunnerError')).toEqual([]);
  });

  test('any other handler error is caught by States.ALL under its own name', async () => {
    const exec = runner.start({ mode: 'gate', behaviour: 'type-error' });
    const { error, cause } = failed(await exec.result);
    expect(error).toBe('TypeError');
    expect(JSON.parse(cause)).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'cannot read the router',
    });
    expect(ofType(exec, 'StateCaught').map((e) => e.next)).toEqual(['Crashed']);
    expect(ofType(exec, 'RunnerError')).toEqual([]);
  });

  test('a handler running past its function timeout fails with Sandbox.Timedout, and the next start is cold', async () => {
    const started = Date.now();
    const exec = runner.start({ mode: 'gate', behaviour: 'sleep', ms: 1500 });
    const { error, cause } = failed(await exec.result);
    expect(Date.now() - started).toBeLessThan(1450);
    expect(error).toBe('Sandbox.Timedout');
    expect(JSON.parse(cause)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
      ),
    });
    expect(ofType(exec, 'LambdaFailed')[0]).toMatchObject({
      functionName: 'runner-test-gate',
      error: 'Sandbox.Timedout',
    });

    // Lambda discards the sandbox of a timed-out invoke: the next invoke pays an init, the one after is warm.
    const cold = runner.start({ mode: 'gate', behaviour: 'pass' });
    await cold.result;
    const warm = runner.start({ mode: 'gate', behaviour: 'pass' });
    await warm.result;
    expect(ofType(cold, 'LambdaSucceeded')[0].initDurationMs).toEqual(expect.any(Number));
    expect(ofType(warm, 'LambdaSucceeded')[0].initDurationMs).toBeUndefined();
  });

  test('clockRate runs the handlers on a faster clock: their sleeps, dates and function timeout', async () => {
    const fast = new LocalWorkflow(wf, { awsEndpoint: moto.endpoint, clockRate: 5, onLog: () => {} });
    try {
      const started = Date.now();
      const ok = await fast.start({ mode: 'gate', behaviour: 'sleep', ms: 400 }).result;
      expect(ok.status).toBe('SUCCEEDED');
      const out = (ok as { output: { elapsedMs: number; remainingMs: number } }).output;
      // The handler saw 400 ms pass and a deadline in its own time (1 s function timeout).
      expect(out.elapsedMs).toBeGreaterThanOrEqual(400);
      expect(out.remainingMs).toBeLessThanOrEqual(1000);
      expect(out.remainingMs).toBeGreaterThan(500);
      // 3 s of the handler's time is past its 1 s timeout, though only 0.6 s of real time.
      const late = await fast.start({ mode: 'gate', behaviour: 'sleep', ms: 3000 }).result;
      expect(failed(late).error).toBe('Sandbox.Timedout');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await fast.close();
    }
    expect(() => new LocalWorkflow(wf, { awsEndpoint: moto.endpoint, clockRate: 0 })).toThrow(/clockRate/);
  });

  test('a task running past its TimeoutSeconds fails with States.Timeout', async () => {
    const started = Date.now();
    const exec = runner.start({ mode: 'slow', ms: 2500 });
    expect(failed(await exec.result).error).toBe('States.Timeout');
    expect(Date.now() - started).toBeLessThan(1800);
  });

  test('each function sees only its own environment', async () => {
    const exec = runner.start({ mode: 'env' });
    const outcome = await exec.result;
    expect(outcome.status).toBe('SUCCEEDED');
    const output = (outcome as { output: { step: { env: JsonObject }; gate: { env: JsonObject } } }).output;
    expect(output.step.env).toEqual({
      ROLE: 'step',
      SHARED: 'from-step',
      ONLY_GATE: null,
      TABLE_NAME: wf.tables[0].name,
      HOST_ONLY: null,
      FROM_RUNNER: 'yes',
      AWS_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: fnOf('StepFn').name,
    });
    expect(output.gate.env).toEqual({
      ROLE: 'gate',
      SHARED: null,
      ONLY_GATE: 'gate-secret',
      TABLE_NAME: null,
      AWS_LAMBDA_FUNCTION_NAME: 'runner-test-gate',
    });
  });

  test('two executions at once run in two sandboxes of the same function', async () => {
    const started = Date.now();
    const a = runner.start({ mode: 'gate', behaviour: 'sleep', ms: 600 });
    const b = runner.start({ mode: 'gate', behaviour: 'sleep', ms: 600 });
    const [ra, rb] = (await Promise.all([a.result, b.result])) as {
      status: string;
      output: { threadId: number };
    }[];
    expect([ra.status, rb.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(ra.output.threadId).not.toBe(rb.output.threadId);
    expect(Date.now() - started).toBeLessThan(1150);
  });

  test('stop() aborts and delivers the ABORTED event to the rule target', async () => {
    const input = { mode: 'wait', seconds: 30 };
    const exec = runner.start(input, { name: 'stop-me' });
    await waitFor(() => exec.history.some((e) => e.type === 'StateEntered' && e.state === 'LongWait'));
    const stopping = Date.now();
    await exec.stop({ error: 'Operator', cause: 'stopped by the test' });
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(await exec.result).toEqual({ status: 'ABORTED' });
    expect(exec.status).toBe('ABORTED');

    const deliveries = await exec.statusEvents;
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toMatchObject({
      functionName: fnOf('OnStatusFn').name,
      status: 'ABORTED',
      outcome: { ok: true, output: { recorded: 'status', sk: exec.executionArn } },
    });
    const event = delivery.input as StatusChangeEvent;
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      account: ACCOUNT,
      region: REGION,
      resources: [exec.executionArn],
      detail: {
        executionArn: exec.executionArn,
        stateMachineArn: wf.stateMachine.arn,
        name: 'stop-me',
        status: 'ABORTED',
        startDate: exec.startDate.getTime(),
        input: JSON.stringify(input),
        inputDetails: { included: true },
        output: null,
        error: 'Operator',
        cause: 'stopped by the test',
      },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event.detail.stopDate).toBeGreaterThanOrEqual(event.detail.startDate);

    const stored = await item('status', exec.executionArn);
    expect(stored?.status).toBe('ABORTED');
    expect(JSON.parse(stored?.body ?? '{}')).toEqual(event);
    expect(exec.history.map((e) => e.type).slice(-2)).toEqual(['ExecutionAborted', 'StatusEventDelivered']);
  });

  test('the state machine timeout ends the execution TIMED_OUT and reaches the rule target', async () => {
    const started = Date.now();
    const exec = runner.start({ mode: 'wait', seconds: 30 });
    expect(await exec.result).toEqual({ status: 'TIMED_OUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2950);
    const [delivery] = await exec.statusEvents;
    expect((delivery.input as StatusChangeEvent).detail).toMatchObject({
      status: 'TIMED_OUT',
      executionArn: exec.executionArn,
    });
    expect((await item('status', exec.executionArn))?.status).toBe('TIMED_OUT');
  });

  test('a bad JSONPath fails the execution with States.Runtime, which States.ALL cannot catch', async () => {
    const exec = runner.start({ mode: 'badpath' });
    const { error, cause } = failed(await exec.result);
    expect(error).toBe('States.Runtime');
    expect(cause).toContain("'$.missing'");
    expect(ofType(exec, 'StateCaught')).toEqual([]);
    expect(ofType(exec, 'LambdaInvoked')).toEqual([]);
  });

  test('an error inside aws-local-stepfunctions is reported as such, not hidden by a States.ALL catch', async () => {
    const original = Object.getOwnPropertyDescriptor(Promise, 'withResolvers');
    let exec: LocalExecution;
    // Node 20 without the polyfill: the library's Task code throws a TypeError before the handler result.
    delete (Promise as { withResolvers?: unknown }).withResolvers;
    try {
      exec = runner.start({ mode: 'gate', behaviour: 'pass' });
      await exec.result;
    } finally {
      if (original) Object.defineProperty(Promise, 'withResolvers', original);
    }
    const { error, cause } = failed(await exec.result);
    expect(error).toBe('Runner.InternalError');
    expect(cause).toMatch(/raised TypeError in state Gate/);
    expect(ofType(exec, 'RunnerError')[0]).toMatchObject({ state: 'Gate', error: 'TypeError' });
    // What the definition did with it: the catch-all took it, which is exactly what must not pass silently.
    expect(ofType(exec, 'StateCaught').map((e) => e.next)).toEqual(['Crashed']);
    expect(ofType(exec, 'LambdaInvoked')).toEqual([]);
  });

  test('StartExecution semantics: idempotent while running with the same input, names unique and valid', async () => {
    const input = { mode: 'gate', behaviour: 'sleep', ms: 100 };
    const first = runner.start(input, { name: 'dup' });
    expect(runner.start(input, { name: 'dup' })).toBe(first);
    expect(thrownBy(() => runner.start({ mode: 'gate' }, { name: 'dup' })).name).toBe(
      'ExecutionAlreadyExists',
    );
    await first.result;
    expect(thrownBy(() => runner.start(input, { name: 'dup' })).name).toBe('ExecutionAlreadyExists');
    expect(thrownBy(() => runner.start(input, { name: 'has space' })).name).toBe('InvalidName');
    expect(thrownBy(() => runner.start(input, { name: 'a:b' })).name).toBe('InvalidName');
  });

  test('refuses tasks it cannot bind, rather than letting the library call AWS', () => {
    const definition = JSON.parse(JSON.stringify(wf.stateMachine.definition)) as JsonObject;
    (definition.States as Record<string, JsonObject>).Slow.Resource = 'arn:aws:states:::dynamodb:putItem';
    const broken = { ...wf, stateMachine: { ...wf.stateMachine, definition } };
    expect(() => new LocalWorkflow(broken, { awsEndpoint: moto.endpoint })).toThrow(
      /Slow: Resource arn:aws:states:::dynamodb:putItem cannot run offline/,
    );
    const renamed = JSON.parse(JSON.stringify(wf.stateMachine.definition)) as JsonObject;
    ((renamed.States as Record<string, JsonObject>).Gate.Parameters as JsonObject).FunctionName =
      'not-in-stack';
    expect(
      () =>
        new LocalWorkflow(
          { ...wf, stateMachine: { ...wf.stateMachine, definition: renamed } },
          { awsEndpoint: '' },
        ),
    ).toThrow(/Gate: FunctionName not-in-stack is not a function of stack/);
  });

  test('adapts the ASL only where the library departs from Step Functions', () => {
    const { definition, adjustments } = adaptDefinitionForLibrary({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'f', 'Payload.$': '$' },
          ResultPath: '$',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'B' }],
          Next: 'B',
        },
        B: { Type: 'Pass', End: true },
      },
    });
    const a = (definition.States as Record<string, JsonObject>).A;
    expect(a.ResultPath).toBeUndefined();
    expect((a.Catch as JsonObject[])[0].ResultPath).toBeUndefined();
    expect(a.TimeoutSeconds).toBe(2147483);
    expect(adjustments).toHaveLength(3);
  });
});
