// Pins down what moto (MOTO_PIN) answers to the calls the workflow makes, with the SDK versions in
// node_modules. Where moto differs from AWS the test says so; a moto upgrade that changes any of it
// fails here first.
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  type AlbFixture,
  addRuleForwardingTo,
  buildAlbFixture,
  cloudWatchClient,
  describeForward,
  ec2Client,
  elbv2Client,
  FAKE_CREDENTIALS,
  setAlarmState,
} from '../../../local/fixtures';
import { type MotoServer, startMoto } from '../../../local/moto';

let moto: MotoServer;
let fx: AlbFixture;
let elb: ElasticLoadBalancingV2Client;
let cw: CloudWatchClient;

beforeAll(async () => {
  moto = await startMoto();
  fx = await buildAlbFixture(moto.endpoint, { deregistrationDelaySeconds: 45 });
  elb = elbv2Client(moto.endpoint);
  cw = cloudWatchClient(moto.endpoint);
});

afterAll(async () => {
  elb?.destroy();
  cw?.destroy();
  await moto?.stop();
});

function forwardTo(weights: Array<[string, number]>) {
  return new ModifyListenerCommand({
    ListenerArn: fx.listenerArn,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: weights.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        },
      },
    ],
  });
}

describe('elbv2', () => {
  test('fixture: HTTPS:443 forwards to blue only, HTTP:80 redirects', async () => {
    const out = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: fx.loadBalancerArn }));
    const https = out.Listeners?.find((l) => l.ListenerArn === fx.listenerArn);
    const http = out.Listeners?.find((l) => l.ListenerArn === fx.redirectListenerArn);
    expect(https).toMatchObject({
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: fx.certificateArn }],
    });
    expect(http?.DefaultActions?.[0]).toMatchObject({
      Type: 'redirect',
      RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
    });
    expect(fx.blueTargetIds).toHaveLength(2);
    expect(fx.greenTargetIds).toHaveLength(2);
  });

  test('DescribeListeners of a plain forward: TargetGroupArn only (AWS adds a ForwardConfig of weight 1)', async () => {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [fx.listenerArn] }));
    expect(out.Listeners?.[0]?.DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: fx.blueTargetGroupArn },
    ]);
    expect(await describeForward(moto.endpoint, fx.listenerArn)).toEqual({ [fx.blueTargetGroupArn]: 100 });
  });

  test('ModifyListener with weights 100/0 and 0/100 is described back exactly, certificate kept', async () => {
    for (const [blue, green] of [
      [100, 0],
      [0, 100],
    ] as const) {
      await elb.send(
        forwardTo([
          [fx.blueTargetGroupArn, blue],
          [fx.greenTargetGroupArn, green],
        ]),
      );
      const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [fx.listenerArn] }));
      const listener = out.Listeners?.[0];
      expect(listener?.DefaultActions).toEqual([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: fx.blueTargetGroupArn, Weight: blue },
              { TargetGroupArn: fx.greenTargetGroupArn, Weight: green },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ]);
      expect(listener?.Certificates).toEqual([{ CertificateArn: fx.certificateArn }]);
      expect(await describeForward(moto.endpoint, fx.listenerArn)).toEqual({
        [fx.blueTargetGroupArn]: blue,
        [fx.greenTargetGroupArn]: green,
      });
    }
  });

  test('DescribeRules: the default rule mirrors the default actions; added rules come with priorities', async () => {
    await elb.send(
      forwardTo([
        [fx.blueTargetGroupArn, 100],
        [fx.greenTargetGroupArn, 0],
      ]),
    );
    const ruleArn = await addRuleForwardingTo(moto.endpoint, fx.listenerArn, fx.greenTargetGroupArn);
    const out = await elb.send(new DescribeRulesCommand({ ListenerArn: fx.listenerArn }));
    const rules = out.Rules ?? [];
    expect(rules).toHaveLength(2);
    const def = rules.find((r) => r.IsDefault);
    expect(def).toMatchObject({ Priority: 'default', Conditions: [] });
    expect(def?.Actions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
      { TargetGroupArn: fx.blueTargetGroupArn, Weight: 100 },
      { TargetGroupArn: fx.greenTargetGroupArn, Weight: 0 },
    ]);
    const added = rules.find((r) => r.RuleArn === ruleArn);
    expect(added).toMatchObject({
      Priority: '1',
      IsDefault: false,
      Actions: [{ Type: 'forward', TargetGroupArn: fx.greenTargetGroupArn }],
    });
    expect(added?.Conditions?.[0]?.Field).toBe('path-pattern');
    const second = await addRuleForwardingTo(moto.endpoint, fx.listenerArn, fx.blueTargetGroupArn);
    const again = await elb.send(new DescribeRulesCommand({ RuleArns: [second] }));
    expect(again.Rules?.[0]?.Priority).toBe('2');
  });

  test('DescribeTargetHealth: every registered running instance is healthy at once (AWS: initial/unused first)', async () => {
    const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: fx.greenTargetGroupArn }));
    expect(out.TargetHealthDescriptions?.map((d) => d.TargetHealth)).toEqual([
      { State: 'healthy' },
      { State: 'healthy' },
    ]);
    expect(out.TargetHealthDescriptions?.[0]).toMatchObject({
      Target: { Port: 8080 },
      HealthCheckPort: 'traffic-port',
    });

    // A stopped instance is unused (Target.InvalidState), as at AWS.
    const ec2 = ec2Client(moto.endpoint);
    const [extra] = (await buildAlbFixture(moto.endpoint, { service: 'spare', targetsPerSide: 1 }))
      .blueTargetIds;
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: fx.greenTargetGroupArn,
        Targets: [{ Id: extra!, Port: 8080 }],
      }),
    );
    await ec2.send(new StopInstancesCommand({ InstanceIds: [extra!] }));
    ec2.destroy();
    const withStopped = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: fx.greenTargetGroupArn, Targets: [{ Id: extra! }] }),
    );
    expect(withStopped.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.InvalidState',
    });

    // Asking for a target that is not registered: unused, Target.NotRegistered.
    const unknown = await elb.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: fx.blueTargetGroupArn,
        Targets: [{ Id: 'i-0123456789abcdef0' }],
      }),
    );
    expect(unknown.TargetHealthDescriptions?.[0]?.TargetHealth).toMatchObject({
      State: 'unused',
      Reason: 'Target.NotRegistered',
    });
  });

  test('moto accepts forwards AWS refuses: unknown target group, weight above 999 (HonestAws refuses them)', async () => {
    const ghost = fx.greenTargetGroupArn.replace(/\/[0-9a-f]+$/, '/0000000000000000');
    await elb.send(forwardTo([[ghost, 100]]));
    await elb.send(forwardTo([[fx.blueTargetGroupArn, 1000]]));
    expect(await describeForward(moto.endpoint, fx.listenerArn)).toEqual({ [fx.blueTargetGroupArn]: 1000 });
    await elb.send(
      forwardTo([
        [fx.blueTargetGroupArn, 100],
        [fx.greenTargetGroupArn, 0],
      ]),
    );
  });

  test('errors carry the names the SDK maps to its exception classes', async () => {
    const missingListener = `${fx.listenerArn.slice(0, -4)}0000`;
    await expect(
      elb.send(new DescribeListenersCommand({ ListenerArns: [missingListener] })),
    ).rejects.toMatchObject({
      name: 'ListenerNotFoundException',
    });
    await expect(elb.send(new DescribeRulesCommand({ ListenerArn: missingListener }))).rejects.toMatchObject({
      name: 'ListenerNotFoundException',
    });
    await expect(
      elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${fx.blueTargetGroupArn}0` })),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
  });

  test('DescribeTargetGroupAttributes returns deregistration_delay.timeout_seconds as set', async () => {
    const out = await elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: fx.blueTargetGroupArn }),
    );
    const attrs = Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(attrs['deregistration_delay.timeout_seconds']).toBe('45');
  });
});

describe('cloudwatch', () => {
  test('the installed client speaks awsJson1_0 and moto understands it', async () => {
    const seen: Record<string, string> = {};
    const client = cloudWatchClient(moto.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        seen['content-type'] = headers['content-type'] ?? '';
        seen['x-amz-target'] = headers['x-amz-target'] ?? '';
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: fx.alarmNames }));
    client.destroy();
    expect(seen).toEqual({
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms',
    });
    expect(out.MetricAlarms?.map((a) => a.AlarmName).sort()).toEqual([...fx.alarmNames].sort());
  });

  test('fixture alarms: OK, 1-second period, one evaluation period, on the ALB dimension', async () => {
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: fx.alarmNames }));
    const lb = fx.loadBalancerArn.split(':loadbalancer/')[1];
    for (const alarm of out.MetricAlarms ?? []) {
      expect(alarm).toMatchObject({
        StateValue: 'OK',
        Period: 1,
        EvaluationPeriods: 1,
        Namespace: 'AWS/ApplicationELB',
        Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
      });
    }
    const p99 = out.MetricAlarms?.find((a) => a.AlarmName === 'orders-api-p99');
    expect(p99).toMatchObject({ MetricName: 'TargetResponseTime', ExtendedStatistic: 'p99' });
  });

  test('DescribeAlarms silently drops a missing name; AlarmTypes is accepted', async () => {
    const out = await cw.send(
      new DescribeAlarmsCommand({
        AlarmNames: [...fx.alarmNames, 'orders-api-typo'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      }),
    );
    expect(out.MetricAlarms?.map((a) => a.AlarmName).sort()).toEqual([...fx.alarmNames].sort());
    expect(out.CompositeAlarms).toEqual([]);
  });

  test('SetAlarmState drives the state (moto never evaluates metrics)', async () => {
    const name = fx.alarmNames[0]!;
    await setAlarmState(moto.endpoint, name, 'ALARM', '5xx above threshold');
    let out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
    expect(out.MetricAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', StateReason: '5xx above threshold' });
    expect(out.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    await cw.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: 'INSUFFICIENT_DATA', StateReason: 'x' }),
    );
    out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], StateValue: 'INSUFFICIENT_DATA' }));
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual([name]);
    await setAlarmState(moto.endpoint, name, 'OK');
    await expect(
      cw.send(new SetAlarmStateCommand({ AlarmName: 'no-such-alarm', StateValue: 'OK', StateReason: 'x' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  test('moto differs from AWS: AlarmTypes ignored, new alarms OK, any period, no composite alarms', async () => {
    // AWS: AlarmTypes ['CompositeAlarm'] returns no metric alarms.
    const composite = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: fx.alarmNames, AlarmTypes: ['CompositeAlarm'] }),
    );
    expect(composite.MetricAlarms).toHaveLength(fx.alarmNames.length);
    // AWS: a new alarm is INSUFFICIENT_DATA until evaluated; AWS also refuses a 7-second period.
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'compat-fresh',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_ELB_5XX_Count',
        Statistic: 'Sum',
        Period: 7,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const fresh = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['compat-fresh'] }));
    expect(fresh.MetricAlarms?.[0]).toMatchObject({ StateValue: 'OK', Period: 7 });
    await expect(
      cw.send(
        new PutCompositeAlarmCommand({ AlarmName: 'compat-composite', AlarmRule: 'ALARM("compat-fresh")' }),
      ),
    ).rejects.toThrow();
  });

  test('PutMetricData is stored and readable, without moving any alarm', async () => {
    const lb = fx.loadBalancerArn.split(':loadbalancer/')[1] ?? '';
    const now = new Date();
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          {
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
            Value: 50,
            Unit: 'Count',
            Timestamp: now,
            StorageResolution: 1,
          },
        ],
      }),
    );
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Dimensions: [{ Name: 'LoadBalancer', Value: lb }],
        StartTime: new Date(now.getTime() - 60_000),
        EndTime: new Date(now.getTime() + 60_000),
        Period: 60,
        Statistics: ['Sum'],
      }),
    );
    expect(stats.Datapoints?.[0]?.Sum).toBe(50);
    const alarm = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [`orders-api-5xx`] }));
    expect(alarm.MetricAlarms?.[0]?.StateValue).toBe('OK');
  });
});

describe('dynamodb', () => {
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: FAKE_CREDENTIALS });
    await ddb.send(
      new CreateTableCommand({
        TableName: 'bluegreen',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName: 'bluegreen',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  });
  afterAll(() => ddb?.destroy());

  const lease = (owner: string, now: number) =>
    new PutItemCommand({
      TableName: 'bluegreen',
      Item: {
        pk: { S: 'service#orders-api' },
        sk: { S: 'lease' },
        owner: { S: owner },
        expiresAt: { N: String(now + 60) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': { N: String(now) }, ':owner': { S: owner } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });

  test('a conditional lease: taken, refused to another owner (with the holder), taken after expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    await ddb.send(lease('exec-1', now));
    await ddb.send(lease('exec-1', now)); // re-entrant for its owner
    const refused = await ddb.send(lease('exec-2', now)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((refused as { Item?: Record<string, { S?: string }> }).Item?.owner?.S).toBe('exec-1');
    await ddb.send(lease('exec-2', now + 61));
  });

  test('UpdateItem with a condition and ALL_NEW; Query newest first; conditional DeleteItem', async () => {
    for (const [i, version] of ['1.0.0', '1.1.0', '1.2.0'].entries()) {
      await ddb.send(
        new PutItemCommand({
          TableName: 'bluegreen',
          Item: {
            pk: { S: 'service#orders-api' },
            sk: { S: `release#2026-11-27T10:0${i}:00Z` },
            version: { S: version },
            outcome: { S: 'running' },
          },
        }),
      );
    }
    const updated = await ddb.send(
      new UpdateItemCommand({
        TableName: 'bluegreen',
        Key: { pk: { S: 'service#orders-api' }, sk: { S: 'release#2026-11-27T10:02:00Z' } },
        UpdateExpression: 'SET outcome = :done, finishedAt = :t',
        ConditionExpression: 'outcome = :running',
        ExpressionAttributeValues: {
          ':done': { S: 'succeeded' },
          ':running': { S: 'running' },
          ':t': { N: '1' },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes?.outcome?.S).toBe('succeeded');
    await expect(
      ddb.send(
        new UpdateItemCommand({
          TableName: 'bluegreen',
          Key: { pk: { S: 'service#orders-api' }, sk: { S: 'release#2026-11-27T10:02:00Z' } },
          UpdateExpression: 'SET outcome = :done',
          ConditionExpression: 'outcome = :running',
          ExpressionAttributeValues: { ':done': { S: 'failed' }, ':running': { S: 'running' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });

    const page = await ddb.send(
      new QueryCommand({
        TableName: 'bluegreen',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': { S: 'service#orders-api' }, ':prefix': { S: 'release#' } },
        ScanIndexForward: false,
        Limit: 2,
        ConsistentRead: true,
      }),
    );
    expect(page.Items?.map((i) => i.version?.S)).toEqual(['1.2.0', '1.1.0']);
    expect(page.LastEvaluatedKey?.sk?.S).toBe('release#2026-11-27T10:01:00Z');

    const key = { pk: { S: 'service#orders-api' }, sk: { S: 'lease' } };
    await expect(
      ddb.send(
        new DeleteItemCommand({
          TableName: 'bluegreen',
          Key: key,
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': { S: 'exec-1' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await ddb.send(
      new DeleteItemCommand({
        TableName: 'bluegreen',
        Key: key,
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': { S: 'exec-2' } },
      }),
    );
  });
});

describe('eventbridge', () => {
  test('PutEvents to the default bus', async () => {
    const eb = new EventBridgeClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: FAKE_CREDENTIALS,
    });
    try {
      const out = await eb.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'bluegreen.cutover',
              DetailType: 'Release Finished',
              Detail: JSON.stringify({ service: 'orders-api', live: 'green', version: '1.2.0' }),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      expect(out.Entries?.[0]?.EventId).toEqual(expect.any(String));
    } finally {
      eb.destroy();
    }
  });
});
