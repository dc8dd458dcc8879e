import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  type AlbFixture,
  addRuleForwardingTo,
  buildAlbFixture,
  describeForward,
  elbv2Client,
  FAKE_CREDENTIALS,
} from '../../../local/fixtures';
import { type MotoServer, startMoto } from '../../../local/moto';
import { HonestAws, type RouterWrite } from '../../../local/proxy/honest-aws';

const INITIAL_MS = 300;

let moto: MotoServer;
let proxy: HonestAws;
let fx: AlbFixture;
let elb: ElasticLoadBalancingV2Client;

beforeAll(async () => {
  moto = await startMoto();
  // Built against moto before the proxy starts: blue is the long-live side, settled from the start.
  fx = await buildAlbFixture(moto.endpoint, { targetsPerSide: 2 });
  proxy = await HonestAws.start({ motoEndpoint: moto.endpoint, initialMs: INITIAL_MS });
  elb = elbv2Client(proxy.endpoint);
});

afterAll(async () => {
  elb?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

afterEach(() => {
  proxy.clearTargetHealth();
  proxy.setInitialMs(INITIAL_MS);
});

async function health(tg: string): Promise<Array<{ id?: string; state?: string; reason?: string }>> {
  const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }));
  return (out.TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id,
    state: d.TargetHealth?.State,
    reason: d.TargetHealth?.Reason,
  }));
}

function weighted(blue: number, green: number) {
  return new ModifyListenerCommand({
    ListenerArn: fx.listenerArn,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: fx.blueTargetGroupArn, Weight: blue },
            { TargetGroupArn: fx.greenTargetGroupArn, Weight: green },
          ],
        },
      },
    ],
  });
}

function plainForwardToBlue() {
  return new ModifyListenerCommand({
    ListenerArn: fx.listenerArn,
    DefaultActions: [{ Type: 'forward', TargetGroupArn: fx.blueTargetGroupArn }],
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('target health through the proxy', () => {
  test('the live group, referenced before the proxy started, is healthy at once', async () => {
    const blue = await health(fx.blueTargetGroupArn);
    expect(blue.map((t) => t.id).sort()).toEqual([...fx.blueTargetIds].sort());
    expect(blue.every((t) => t.state === 'healthy' && t.reason === undefined)).toBe(true);
  });

  test('a group nothing references reports unused (Target.NotInUse), while moto itself says healthy', async () => {
    const green = await health(fx.greenTargetGroupArn);
    expect(green).toHaveLength(2);
    for (const t of green) expect(t).toMatchObject({ state: 'unused', reason: 'Target.NotInUse' });

    const direct = elbv2Client(moto.endpoint);
    const raw = await direct.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: fx.greenTargetGroupArn }),
    );
    direct.destroy();
    expect(raw.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy']);
    expect(await proxy.targetHealth(fx.greenTargetGroupArn)).toEqual(
      expect.arrayContaining([expect.objectContaining({ state: 'unused', reason: 'Target.NotInUse' })]),
    );
  });

  test('attached at weight 0 it reports initial, then healthy after initialMs', async () => {
    await elb.send(weighted(100, 0));
    const first = await health(fx.greenTargetGroupArn);
    for (const t of first)
      expect(t).toMatchObject({ state: 'initial', reason: 'Elb.RegistrationInProgress' });
    await sleep(INITIAL_MS + 50);
    const later = await health(fx.greenTargetGroupArn);
    for (const t of later) expect(t).toMatchObject({ state: 'healthy' });
    expect(later[0]?.reason).toBeUndefined();
  });

  test('detached it is unused again, and re-attached it starts over with initial', async () => {
    await elb.send(plainForwardToBlue());
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('unused');
    await elb.send(weighted(100, 0));
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('initial');
    await proxy.settle(fx.greenTargetGroupArn);
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('healthy');
  });

  test('a listener rule forwarding to a group also counts as a reference', async () => {
    await elb.send(plainForwardToBlue());
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('unused');
    const ruleArn = await addRuleForwardingTo(proxy.endpoint, fx.redirectListenerArn, fx.greenTargetGroupArn);
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('initial');
    await elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    expect((await health(fx.greenTargetGroupArn))[0]?.state).toBe('unused');
  });

  test('test overrides win over everything and can be cleared', async () => {
    const [first, second] = fx.greenTargetIds;
    proxy.setTargetHealth(fx.greenTargetGroupArn, first!, 'unhealthy');
    proxy.setTargetHealth(fx.greenTargetGroupArn, second!, 'draining', 'Target.DeregistrationInProgress');
    const green = await health(fx.greenTargetGroupArn);
    expect(green.find((t) => t.id === first)).toMatchObject({
      state: 'unhealthy',
      reason: 'Target.FailedHealthChecks',
    });
    expect(green.find((t) => t.id === second)).toMatchObject({
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
    });
    proxy.setTargetHealth(fx.blueTargetGroupArn, fx.blueTargetIds[0]!, 'healthy');
    expect((await health(fx.blueTargetGroupArn)).every((t) => t.state === 'healthy')).toBe(true);

    proxy.clearTargetHealth(fx.greenTargetGroupArn);
    expect((await health(fx.greenTargetGroupArn)).every((t) => t.state === 'unused')).toBe(true);
  });

  test('a fixture built through the proxy starts with its live group initial, as a new ALB does', async () => {
    const fresh = await buildAlbFixture(proxy.endpoint, { service: 'payments', targetsPerSide: 1 });
    expect((await health(fresh.blueTargetGroupArn))[0]).toMatchObject({ state: 'initial' });
    expect((await health(fresh.greenTargetGroupArn))[0]).toMatchObject({ state: 'unused' });
    await sleep(INITIAL_MS + 50);
    expect((await health(fresh.blueTargetGroupArn))[0]).toMatchObject({ state: 'healthy' });
  });
});

describe('router-write observer', () => {
  beforeEach(async () => {
    await elb.send(plainForwardToBlue());
  });

  test('records each write with its weights and the health of every group it names', async () => {
    const seen: RouterWrite[] = [];
    const off = proxy.onRouterWrite((w) => seen.push(w));
    const before = proxy.routerWrites.length;
    await elb.send(weighted(100, 0));
    off();
    await elb.send(weighted(100, 0));

    expect(seen).toHaveLength(1);
    const write = proxy.routerWrites[before];
    expect(write).toBe(seen[0]);
    expect(write).toMatchObject({
      action: 'ModifyListener',
      listenerArn: fx.listenerArn,
      weights: { [fx.blueTargetGroupArn]: 100, [fx.greenTargetGroupArn]: 0 },
      // green was not referenced yet at the moment of the write: unused, so not healthy
      healthyAtWrite: { [fx.blueTargetGroupArn]: true, [fx.greenTargetGroupArn]: false },
      accepted: true,
      status: 200,
    });
    expect(write?.violation).toBeUndefined();
    expect(Math.abs((write?.at ?? 0) - Date.now())).toBeLessThan(10_000);
  });

  test('flags a write that gives weight to a group still initial, and not one to a healthy group', async () => {
    const violationsBefore = proxy.violations.length;
    await elb.send(weighted(100, 0));
    await elb.send(weighted(0, 100)); // green is still initial
    expect(proxy.violations).toHaveLength(violationsBefore + 1);
    const bad = proxy.routerWrites.at(-1);
    expect(bad?.violation).toContain(fx.greenTargetGroupArn);
    expect(bad?.violation).toContain('initial');

    await sleep(INITIAL_MS + 50);
    await elb.send(weighted(100, 0));
    await elb.send(weighted(0, 100)); // green healthy now
    expect(proxy.routerWrites.at(-1)?.violation).toBeUndefined();
    expect(proxy.routerWrites.at(-1)?.healthyAtWrite[fx.greenTargetGroupArn]).toBe(true);
    expect(proxy.violations).toHaveLength(violationsBefore + 1);
  });

  test('flags weight to a group with an unhealthy target (override) and to a group with no targets', async () => {
    await elb.send(weighted(100, 0));
    await proxy.settle(fx.greenTargetGroupArn);
    proxy.setTargetHealth(fx.greenTargetGroupArn, fx.greenTargetIds[1]!, 'unhealthy');
    await elb.send(weighted(0, 100));
    expect(proxy.routerWrites.at(-1)?.violation).toMatch(/unhealthy \(Target\.FailedHealthChecks\)/);

    const empty = await elb.send(
      new CreateTargetGroupCommand({
        Name: 'orders-api-empty',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: fx.vpcId,
      }),
    );
    const emptyArn = empty.TargetGroups?.[0]?.TargetGroupArn ?? '';
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: fx.listenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: emptyArn }],
      }),
    );
    expect(proxy.routerWrites.at(-1)?.weights).toEqual({ [emptyArn]: 100 });
    expect(proxy.routerWrites.at(-1)?.violation).toContain('no registered targets');
  });

  test('rule writes are router writes too; writes moto rejects are recorded but never violations', async () => {
    const violationsBefore = proxy.violations.length;
    const ruleArn = await addRuleForwardingTo(proxy.endpoint, fx.listenerArn, fx.greenTargetGroupArn);
    const write = proxy.routerWrites.at(-1);
    expect(write).toMatchObject({
      action: 'CreateRule',
      listenerArn: fx.listenerArn,
      weights: { [fx.greenTargetGroupArn]: 100 },
    });
    expect(write?.violation).toContain('unused');
    await elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));

    await expect(
      elb.send(
        new ModifyListenerCommand({
          ListenerArn: `${fx.listenerArn}0`,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: fx.greenTargetGroupArn }],
        }),
      ),
    ).rejects.toThrow();
    expect(proxy.routerWrites.at(-1)).toMatchObject({ accepted: false });
    expect(proxy.routerWrites.at(-1)?.violation).toBeUndefined();
    expect(proxy.violations).toHaveLength(violationsBefore + 1);
  });

  test('refuses, as AWS does, forwards moto would accept: unknown group, weight above 999', async () => {
    const ghost = fx.greenTargetGroupArn.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    await expect(
      elb.send(
        new ModifyListenerCommand({
          ListenerArn: fx.listenerArn,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: ghost }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException', $metadata: { httpStatusCode: 400 } });
    expect(proxy.routerWrites.at(-1)).toMatchObject({
      accepted: false,
      status: 400,
      weights: { [ghost]: 100 },
    });
    await expect(elb.send(weighted(1000, 0))).rejects.toMatchObject({ name: 'ValidationError' });
    expect(await describeForward(moto.endpoint, fx.listenerArn)).toEqual({ [fx.blueTargetGroupArn]: 100 });
  });
});

describe('pass-through', () => {
  test('plain forwards are described as AWS does (with ForwardConfig), moto alone does not', async () => {
    await elb.send(plainForwardToBlue());
    const viaProxy = await elb.send(new DescribeListenersCommand({ ListenerArns: [fx.listenerArn] }));
    expect(viaProxy.Listeners?.[0]?.DefaultActions).toEqual([
      {
        Type: 'forward',
        TargetGroupArn: fx.blueTargetGroupArn,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: fx.blueTargetGroupArn, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ]);
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: fx.listenerArn }));
    expect(rules.Rules?.find((r) => r.IsDefault)?.Actions?.[0]?.ForwardConfig?.TargetGroups).toHaveLength(1);
    expect(await describeForward(proxy.endpoint, fx.listenerArn)).toEqual({ [fx.blueTargetGroupArn]: 100 });
    expect(await describeForward(moto.endpoint, fx.listenerArn)).toEqual({ [fx.blueTargetGroupArn]: 100 });

    await elb.send(weighted(100, 0));
    const weightedView = await elb.send(new DescribeListenersCommand({ ListenerArns: [fx.listenerArn] }));
    expect(weightedView.Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn).toBeUndefined();
    expect(await describeForward(proxy.endpoint, fx.listenerArn)).toEqual({
      [fx.blueTargetGroupArn]: 100,
      [fx.greenTargetGroupArn]: 0,
    });
  });

  test('other services go through untouched, large bodies and errors included', async () => {
    const ddb = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: FAKE_CREDENTIALS,
    });
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName: 'passthrough',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      const big = 'x'.repeat(300_000);
      await ddb.send(
        new PutItemCommand({ TableName: 'passthrough', Item: { pk: { S: 'a' }, blob: { S: big } } }),
      );
      const got = await ddb.send(new GetItemCommand({ TableName: 'passthrough', Key: { pk: { S: 'a' } } }));
      expect(got.Item?.blob?.S).toBe(big);
      await expect(
        ddb.send(
          new PutItemCommand({
            TableName: 'passthrough',
            Item: { pk: { S: 'a' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    } finally {
      ddb.destroy();
    }
  });
});

describe('call log, injected faults and emulated functions', () => {
  const ddbAs = (caller: string) =>
    new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: FAKE_CREDENTIALS,
      userAgentAppId: caller,
      maxAttempts: 1,
    });

  test('records each call with its service, operation, parameters and the caller of the user agent', async () => {
    const ddb = ddbAs('orders-gate');
    const from = proxy.calls.length;
    try {
      await ddb.send(new GetItemCommand({ TableName: 'passthrough', Key: { pk: { S: 'a' } } }));
      await elb.send(new DescribeListenersCommand({ ListenerArns: [fx.listenerArn] }));
    } finally {
      ddb.destroy();
    }
    const calls = proxy.calls.slice(from);
    expect(calls[0]).toMatchObject({
      service: 'dynamodb',
      region: 'us-east-1',
      operation: 'GetItem',
      caller: 'orders-gate',
      params: { TableName: 'passthrough' },
    });
    expect(calls[1]).toMatchObject({ service: 'elasticloadbalancing', operation: 'DescribeListeners' });
    expect(calls[1]?.caller).toBeUndefined();
  });

  test('fails matching calls of the named caller with the AWS error, as many times as asked', async () => {
    const denied = ddbAs('orders-watch');
    const other = ddbAs('orders-gate');
    const remove = proxy.injectFault({
      service: 'dynamodb',
      operation: 'GetItem',
      caller: 'orders-watch',
      code: 'AccessDeniedException',
      message: 'not authorized to perform dynamodb:GetItem',
      times: 1,
    });
    const get = new GetItemCommand({ TableName: 'passthrough', Key: { pk: { S: 'a' } } });
    try {
      await expect(other.send(get)).resolves.toBeDefined();
      await expect(denied.send(get)).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: 'not authorized to perform dynamodb:GetItem',
        $metadata: { httpStatusCode: 400 },
      });
      // Used up after one failure.
      await expect(denied.send(get)).resolves.toBeDefined();
    } finally {
      remove();
      denied.destroy();
      other.destroy();
    }
  });

  test('injects Query-protocol faults too (ELB)', async () => {
    const remove = proxy.injectFault({
      service: 'elasticloadbalancing',
      operation: 'ModifyListener',
      code: 'AccessDenied',
      status: 403,
    });
    try {
      await expect(elb.send(weighted(100, 0))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      remove();
    }
  });

  /** A table of its own for a test, created in moto directly (no proxy, no faults). */
  const tableOf = async (name: string) => {
    const direct = new DynamoDBClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: FAKE_CREDENTIALS,
    });
    try {
      await direct.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
    } finally {
      direct.destroy();
    }
    return name;
  };

  test('a lost answer: the write takes effect in moto, the caller gets a dropped connection', async () => {
    const writer = ddbAs('orders-finalize');
    const TableName = await tableOf('lost-answers');
    const remove = proxy.injectFault({
      service: 'dynamodb',
      operation: 'PutItem',
      caller: 'orders-finalize',
      effect: 'answer-lost',
      times: 1,
    });
    try {
      const put = new PutItemCommand({ TableName, Item: { pk: { S: 'lost' }, n: { S: '1' } } });
      await expect(writer.send(put)).rejects.toThrow(/socket hang up/);
      const got = await writer.send(
        new GetItemCommand({ TableName, Key: { pk: { S: 'lost' } }, ConsistentRead: true }),
      );
      expect(got.Item?.n?.S).toBe('1');
    } finally {
      remove();
      writer.destroy();
    }
  });

  test('an unreachable endpoint resets every caller for its window, then answers again', async () => {
    const first = ddbAs('orders-watch');
    const other = ddbAs('orders-gate');
    const TableName = await tableOf('unreachable');
    proxy.injectFault({ service: 'dynamodb', caller: 'orders-watch', effect: 'unreachable', forMs: 400 });
    const get = new GetItemCommand({ TableName, Key: { pk: { S: 'a' } } });
    try {
      // Another caller is not the trigger; the window opens at the named caller's first request.
      await expect(other.send(get)).resolves.toBeDefined();
      await expect(first.send(get)).rejects.toThrow();
      await expect(other.send(get)).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 450));
      await expect(first.send(get)).resolves.toBeDefined();
    } finally {
      first.destroy();
      other.destroy();
    }
  });

  test('answers Invoke of an emulated function by ARN or name; a thrown error is an Unhandled function error', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:orders-deploy';
    proxy.emulateFunction(arn, (event) => {
      const e = event as { version?: string };
      if (e.version === 'bad') throw new Error('image not found');
      return { status: 'SUCCEEDED', echoed: e.version };
    });
    const lambda = new LambdaClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: FAKE_CREDENTIALS,
    });
    const invoke = async (FunctionName: string, version: string) => {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName, Payload: new TextEncoder().encode(JSON.stringify({ version })) }),
      );
      return {
        error: out.FunctionError,
        payload: JSON.parse(new TextDecoder().decode(out.Payload)) as unknown,
      };
    };
    try {
      expect(await invoke(arn, 'v2')).toEqual({
        error: undefined,
        payload: { status: 'SUCCEEDED', echoed: 'v2' },
      });
      expect(await invoke('orders-deploy:live', 'v3')).toMatchObject({ payload: { echoed: 'v3' } });
      expect(await invoke(arn, 'bad')).toEqual({
        error: 'Unhandled',
        payload: { errorType: 'Error', errorMessage: 'image not found', trace: [] },
      });
      // Functions not emulated still reach moto, which does not know them.
      await expect(invoke('someone-else', 'v1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      lambda.destroy();
    }
  });
});
