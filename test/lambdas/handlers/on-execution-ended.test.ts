import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/on-execution-ended';
import {
  awsError,
  BLUE_TG,
  EXECUTION_ARN,
  GREEN_TG,
  LISTENER_ARN,
  leaseItem,
  listenerWith,
  quietLogs,
  ROLES,
  targetHealth,
  useConfig,
  weightedForward,
} from './support';

const NOW = new Date('2026-11-27T12:40:00.000Z');
const LEASE_KEY = { pk: 'service#orders-api', sk: 'lease' };
const RECORD_KEY = { pk: 'service#orders-api', sk: ROLES.releaseKey };
const OTHER_ARN = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-2';

const ddb = mockClient(DynamoDBDocumentClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cloudWatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const config = useConfig();

/** The EventBridge event of the state machine's status change, as the rule delivers it. */
function statusChange(status: 'ABORTED' | 'TIMED_OUT', executionArn = EXECUTION_ARN) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: NOW.toISOString(),
    region: 'us-east-1',
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:bluegreen-orders-api',
      name: 'release-1',
      status,
      startDate: 1_795_780_800_000,
      stopDate: 1_795_782_000_000,
      input: '{"action":"cutover","version":"v2"}',
      output: null,
    },
  };
}

/** The lease of a cutover from blue to green that got as far as `phase`. */
function leaseIn(phase: 'acquired' | 'switching' | 'baking' | 'draining' | 'rolling-back'): void {
  const switched = phase === 'acquired' ? {} : { previous: 'blue' as const, target: 'green' as const };
  ddb
    .on(GetCommand, { Key: LEASE_KEY })
    .resolves({ Item: leaseItem({ phase, releaseKey: ROLES.releaseKey, ...switched }) });
}

function routerOn(live: 'blue' | 'green'): void {
  const actions = live === 'blue' ? weightedForward(100, 0) : weightedForward(0, 100);
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(actions)] });
}

describe('on-execution-ended handler', () => {
  beforeEach(() => {
    ddb.reset();
    elb.reset();
    cloudWatch.reset();
    events.reset();
    ddb.on(UpdateCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG })
      .resolves(targetHealth('healthy', 'healthy'));
    elb.on(ModifyListenerCommand).resolves({});
    cloudWatch.on(PutMetricDataCommand).resolves({});
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    jest.useFakeTimers({ now: NOW });
    quietLogs();
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it.each([
    ['ABORTED', 'execution was stopped'],
    ['TIMED_OUT', 'execution timed out'],
  ] as const)(
    'rolls back an execution that ended %s after its switch and frees its lease',
    async (status, reason) => {
      // Prepare
      leaseIn('baking');
      routerOn('green');

      // Act
      const result = await handler(statusChange(status));

      // Assess
      expect(result).toEqual({ action: 'restored blue' });
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
        ListenerArn: LISTENER_ARN,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 100 },
                { TargetGroupArn: GREEN_TG, Weight: 0 },
              ],
            },
          },
        ],
      });
      expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
        Key: RECORD_KEY,
        ExpressionAttributeValues: {
          ':outcome': 'rolled-back',
          ':rolledBackAt': NOW.toISOString(),
          ':finishedAt': NOW.toISOString(),
          ':reason': reason,
        },
      });
      expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
        Key: LEASE_KEY,
        ConditionExpression: '#owner = :me',
        ExpressionAttributeValues: { ':me': EXECUTION_ARN },
      });
      expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
        Entries: [expect.objectContaining({ DetailType: 'Release Rolled Back' })],
      });
      expect(cloudWatch).not.toHaveReceivedCommand(PutMetricDataCommand);
    },
  );

  it('writes nothing when the execution stopped between its fence and its write: traffic never left blue', async () => {
    // Prepare
    leaseIn('switching');
    routerOn('blue');

    // Act
    await handler(statusChange('ABORTED'));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({ ':outcome': 'rolled-back' }),
    });
    expect(ddb).toHaveReceivedCommand(DeleteCommand);
  });

  it('only frees the lease and closes the record of an execution that never switched', async () => {
    // Prepare
    leaseIn('acquired');

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result).toEqual({ action: 'released the lease' });
    expect(elb).not.toHaveReceivedAnyCommand();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: {
        ':outcome': 'failed',
        ':finishedAt': NOW.toISOString(),
        ':reason': 'execution was stopped',
      },
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
  });

  it.each([
    [
      'is held by another execution',
      { Item: leaseItem({ owner: OTHER_ARN, phase: 'baking', previous: 'blue' }) },
    ],
    ['is free', {}],
  ])('does nothing when the lease %s', async (_case, answer) => {
    // Prepare
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves(answer);

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result.action).toMatch(/^none/);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(elb).not.toHaveReceivedAnyCommand();
  });

  it('counts a restore it could not make in the RollbackFailed metric and closes the record as rollback-failed', async () => {
    // Prepare
    leaseIn('baking');
    routerOn('green');
    elb.on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG }).resolves(targetHealth('unhealthy'));

    // Act
    const result = await handler(statusChange('TIMED_OUT'));

    // Assess
    expect(result.action).toContain('blue is not fully healthy');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: config.metricNamespace,
      MetricData: [
        {
          MetricName: 'RollbackFailed',
          Dimensions: [{ Name: 'Service', Value: 'orders-api' }],
          Value: 1,
          Unit: 'Count',
        },
      ],
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({ ':outcome': 'rollback-failed' }),
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Rollback Failed' })],
    });
  });

  it('reports a restoring write that AWS refuses instead of crashing: counted, recorded, lease freed', async () => {
    // Prepare
    leaseIn('baking');
    routerOn('green');
    elb
      .on(ModifyListenerCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: ModifyListener', 403));

    // Act
    const result = await handler(statusChange('ABORTED'));

    // Assess
    expect(result.action).toContain('could not restore');
    expect(result.action).toContain('AccessDenied');
    expect(cloudWatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: config.metricNamespace,
      MetricData: [expect.objectContaining({ MetricName: 'RollbackFailed', Value: 1 })],
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({ ':outcome': 'rollback-failed' }),
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: LEASE_KEY,
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Rollback Failed' })],
    });
  });
});
