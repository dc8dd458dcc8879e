import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/rollback';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  awsError,
  BLUE_TG,
  causeOf,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  LISTENER_ARN,
  listenerWith,
  quietLogs,
  ROLES,
  stepEvent,
  targetHealth,
  useConfig,
  weightedForward,
} from './support';

const NOW = new Date('2026-11-27T12:25:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const LEASE_KEY = { pk: 'service#orders-api', sk: 'lease' };
const RECORD_KEY = { pk: 'service#orders-api', sk: ROLES.releaseKey };
const ALARM_REASON = 'alarm "orders-api-5xx" went to ALARM during the bake';

const ddb = mockClient(DynamoDBDocumentClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cloudWatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const config = useConfig();

/** A cutover from blue to green whose bake saw the alarm fire. */
function alarmedCutover(restoredAt?: string): WorkflowState {
  return cutoverState({
    switched: { at: '2026-11-27T12:20:00.000Z', drainSeconds: 300 },
    watch: {
      phase: 'bake',
      until: '2026-11-27T12:30:00.000Z',
      verdict: 'rollback',
      reason: ALARM_REASON,
      alarm: 'orders-api-5xx',
      ...(restoredAt ? { restoredAt } : {}),
    },
  });
}

function routerOn(live: 'blue' | 'green'): void {
  const actions = live === 'blue' ? weightedForward(100, 0) : weightedForward(0, 100);
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(actions)] });
}

function expectRollbackFailedCounted(): void {
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
}

describe('rollback handler', () => {
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

  it('puts all traffic back on the previous side and ends in RolledBack', async () => {
    // Prepare
    routerOn('green');

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
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
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome)).toEqual({
      message: `${ALARM_REASON}; traffic is back on blue`,
      alarm: 'orders-api-5xx',
      live: 'blue',
      previous: 'green',
      version: 'v2',
    });
    expect(cloudWatch).not.toHaveReceivedCommand(PutMetricDataCommand);
  });

  it('writes the listener only while it holds the lease, then marks the release rolled back and frees the lease', async () => {
    // Prepare
    routerOn('green');

    // Act
    await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: LEASE_KEY,
      ConditionExpression: '#owner = :me AND expiresAt > :now',
      ExpressionAttributeValues: { ':me': EXECUTION_ARN, ':now': NOW_SECONDS, ':phase': 'rolling-back' },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: {
        ':outcome': 'rolled-back',
        ':rolledBackAt': NOW.toISOString(),
        ':finishedAt': NOW.toISOString(),
        ':reason': ALARM_REASON,
      },
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: LEASE_KEY,
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Release Rolled Back' })],
    });
  });

  it('does not write again when traffic is already back (the bake restored it, or a retry)', async () => {
    // Prepare
    routerOn('blue');
    const restoredAt = '2026-11-27T12:24:59.000Z';

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover(restoredAt)));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RolledBack');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({
        ':outcome': 'rolled-back',
        ':rolledBackAt': restoredAt,
      }),
    });
  });

  it('says which step failed when a failure after the switch caused the rollback', async () => {
    // Prepare
    routerOn('green');
    const state = cutoverState({
      switched: { at: '2026-11-27T12:20:00.000Z', drainSeconds: 300 },
      failure: { Error: 'States.Timeout', Cause: 'Task timed out after 90.00 seconds' },
      failedStep: 'Drain',
    });

    // Act
    const { outcome } = await handler(stepEvent(state));

    // Assess
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome).message).toBe(
      'step Drain failed after the switch: States.Timeout: Task timed out after 90.00 seconds; traffic is back on blue',
    );
  });

  it('refuses to send traffic to an unhealthy previous side: RollbackFailed telling the operator what to do', async () => {
    // Prepare
    routerOn('green');
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG })
      .resolves(targetHealth('healthy', 'unhealthy'));

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RollbackFailed');
    const cause = causeOf(outcome);
    expect(cause).toMatchObject({ alarm: 'orders-api-5xx', live: 'green', previous: 'blue', version: 'v2' });
    expect(cause.message).toContain('blue is not fully healthy');
    expect(cause.message).toContain('i-02:8080 unhealthy');
    expect(cause.message).toContain(`An operator must check the listener ${LISTENER_ARN}, make blue healthy`);
    expectRollbackFailedCounted();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({
        ':outcome': 'rollback-failed',
        ':error': 'RollbackFailed',
      }),
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Rollback Failed' })],
    });
  });

  it('leaves the listener alone once the lease is lost: RollbackFailed, counted, lease not touched', async () => {
    // Prepare
    routerOn('green');
    ddb.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionFailed());

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(outcome.error).toBe('RollbackFailed');
    expect(causeOf(outcome).message).toContain('no longer holds the lease');
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expectRollbackFailedCounted();
  });

  it('turns a listener write that AWS refuses into RollbackFailed: counted, recorded, lease freed', async () => {
    // Prepare
    routerOn('green');
    elb
      .on(ModifyListenerCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: ModifyListener', 403));

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(outcome.error).toBe('RollbackFailed');
    const cause = causeOf(outcome);
    expect(cause).toMatchObject({ alarm: 'orders-api-5xx', live: 'green', previous: 'blue', version: 'v2' });
    expect(cause.message).toContain(
      'the listener could not be read or written (AccessDenied: User is not authorized to perform: ModifyListener)',
    );
    expect(cause.message).toContain(`An operator must check the listener ${LISTENER_ARN}`);
    expectRollbackFailedCounted();
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({
        ':outcome': 'rollback-failed',
        ':error': 'RollbackFailed',
      }),
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: LEASE_KEY,
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ DetailType: 'Rollback Failed' })],
    });
  });

  it('succeeds on a retry after an earlier attempt restored traffic and gave the lease up', async () => {
    // Prepare: the first attempt wrote the listener and released the lease, then its answer was lost
    routerOn('blue');
    ddb.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionFailed());

    // Act
    const { outcome } = await handler(stepEvent(alarmedCutover()));

    // Assess
    expect(outcome.error).toBe('RolledBack');
    expect(causeOf(outcome)).toMatchObject({ live: 'blue', previous: 'green' });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(cloudWatch).not.toHaveReceivedCommand(PutMetricDataCommand);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: expect.objectContaining({ ':outcome': 'rolled-back' }),
    });
  });
});
