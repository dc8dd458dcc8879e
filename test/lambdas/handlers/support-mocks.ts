import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  type Action,
  DescribeListenersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { Color } from '../../../lambdas/shared/contract';
import { type EmfMetric, emfMetrics } from '../../../local/offline/emf';
import {
  BLUE_TG,
  CONFIG,
  conditionFailed,
  EXECUTION_ARN,
  LEASE_KEY,
  leaseItem,
  listenerWith,
  RECORD_KEY,
  targetHealth,
  weightedForward,
} from './support';

/** The mocked clients of the handler tests, as `mockClient` returns them. */
export type ElbMock = AwsClientStub<ElasticLoadBalancingV2Client>;
export type TableMock = AwsClientStub<DynamoDBDocumentClient>;
export type MetricsMock = AwsClientStub<CloudWatchClient>;
export type BusMock = AwsClientStub<EventBridgeClient>;
export type StepFunctionsMock = AwsClientStub<SFNClient>;

/** The mocks of the clients the handlers talk to, by the names the tests give them. */
export interface AwsMocks {
  ddb: TableMock;
  elb: ElbMock;
  cloudWatch: MetricsMock;
  events: BusMock;
  sfn: StepFunctionsMock;
}

/** Before each test the mocks forget their answers and calls; after it every spy (a quieted console) is restored. */
export function resetEachTest(...mocks: Array<{ reset(): unknown }>): void {
  beforeEach(() => {
    for (const mock of mocks) mock.reset();
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
}

/**
 * Mocks the named clients for the tests of a file: before each test the mocks forget their answers and
 * calls; after it every spy (a quieted console) is restored.
 */
export function mockAws<K extends keyof AwsMocks>(...names: K[]): Pick<AwsMocks, K> {
  const create: { [P in keyof AwsMocks]: () => AwsMocks[P] } = {
    ddb: () => mockClient(DynamoDBDocumentClient),
    elb: () => mockClient(ElasticLoadBalancingV2Client),
    cloudWatch: () => mockClient(CloudWatchClient),
    events: () => mockClient(EventBridgeClient),
    sfn: () => mockClient(SFNClient),
  };
  const mocks = Object.fromEntries(names.map((name) => [name, create[name]()])) as Pick<AwsMocks, K>;
  resetEachTest(...names.map((name) => mocks[name]));
  return mocks;
}

/** Step Functions says the execution holding a lease is in `status` (RUNNING for a live cutover). */
export function executionsAre(
  sfn: StepFunctionsMock,
  status: 'RUNNING' | 'ABORTED' | 'FAILED' = 'RUNNING',
): void {
  beforeEach(() => {
    sfn.on(DescribeExecutionCommand).resolves({ status });
  });
}

/**
 * Fakes the clock at `now` before each test and brings the real one back after it. `realQueues` keeps
 * nextTick, queueMicrotask and setImmediate real, for handlers that poll on the clock.
 */
export function fakeClockEachTest(now: Date | number, { realQueues = false } = {}): void {
  beforeEach(() => {
    jest.useFakeTimers(
      realQueues ? { now, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] } : { now },
    );
  });
  afterEach(() => {
    jest.useRealTimers();
  });
}

/** DescribeListeners answers the configured listener with these default actions. */
export function routerIs(elb: ElbMock, actions: Action[]): void {
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(actions)] });
}

/** The listener forwards all traffic to `live`, the other side attached at weight 0. */
export function routerOn(elb: ElbMock, live: Color): void {
  routerIs(elb, live === 'blue' ? weightedForward(100, 0) : weightedForward(0, 100));
}

/** DescribeTargetHealth of `group` answers one target per state. */
export function targetsOf(elb: ElbMock, group: string, ...states: TargetHealthStateEnum[]): void {
  elb.on(DescribeTargetHealthCommand, { TargetGroupArn: group }).resolves(targetHealth(...states));
}

/** DescribeTargetHealth of every group answers one target per state. */
export function targetsOfEveryGroup(elb: ElbMock, ...states: TargetHealthStateEnum[]): void {
  elb.on(DescribeTargetHealthCommand).resolves(targetHealth(...states));
}

/** DescribeTargetGroupAttributes answers this deregistration delay: for `group`, or for every group. */
export function deregistrationDelayIs(elb: ElbMock, seconds: number, group?: string): void {
  const answer = { Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(seconds) }] };
  if (group === undefined) elb.on(DescribeTargetGroupAttributesCommand).resolves(answer);
  else elb.on(DescribeTargetGroupAttributesCommand, { TargetGroupArn: group }).resolves(answer);
}

/**
 * The answers of a restore of traffic that goes through: blue's two targets healthy and every write
 * (table, listener, event) accepted.
 */
export function restoreGoesThrough(mocks: Omit<AwsMocks, 'sfn'>): void {
  tableAcceptsWrites(mocks.ddb);
  targetsOf(mocks.elb, BLUE_TG, 'healthy', 'healthy');
  mocks.elb.on(ModifyListenerCommand).resolves({});
  busAcceptsEvents(mocks.events);
}

/** DynamoDB accepts every update and delete. */
export function tableAcceptsWrites(ddb: TableMock): void {
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
}

/** EventBridge accepts every event put on the bus. */
export function busAcceptsEvents(events: BusMock): void {
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
}

/** Every read of the lease answers this execution's lease item with `extra`. */
export function leaseIs(ddb: TableMock, extra: Parameters<typeof leaseItem>[0] = {}): void {
  ddb.on(GetCommand).resolves({ Item: leaseItem(extra) });
}

/** The lease fence fails: DynamoDB refuses the conditional update of the lease item. */
export function leaseLost(ddb: TableMock): void {
  ddb.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionFailed());
}

/** The first conditional update (the lease fence) went out before the first listener write. */
export function expectFenceBeforeWrite(ddb: TableMock, elb: ElbMock): void {
  const fence = ddb.commandCalls(UpdateCommand)[0]!;
  const write = elb.commandCalls(ModifyListenerCommand)[0]!;
  expect(fence.calledBefore(write)).toBe(true);
}

/** This execution gave its lease up; `extra` names more fields the delete must carry. */
export function expectLeaseReleased(ddb: TableMock, extra: Record<string, unknown> = {}): void {
  expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
    Key: LEASE_KEY,
    ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    ...extra,
  });
}

/** This execution's release record was updated with (at least) these values. */
export function expectRecordUpdatedWith(ddb: TableMock, values: Record<string, unknown>): void {
  expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
    Key: RECORD_KEY,
    ExpressionAttributeValues: expect.objectContaining(values),
  });
}

/** An event of this detail type went on the bus. */
export function expectEventPut(events: BusMock, detailType: string): void {
  expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
    Entries: [expect.objectContaining({ DetailType: detailType })],
  });
}

/**
 * Collects the EMF lines the handlers print to stdout during each test; every other line goes
 * through. Returns the metrics of the current test.
 */
export function metricsEachTest(): () => EmfMetric[] {
  let metrics: EmfMetric[] = [];
  beforeEach(() => {
    metrics = [];
    const write = process.stdout.write.bind(process.stdout);
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      const parsed = emfMetrics(String(chunk));
      if (parsed.length === 0) return write(chunk);
      metrics.push(...parsed);
      return true;
    });
  });
  return () => metrics;
}

/** The failed restore was counted once in the RollbackFailed metric of the service, and nothing else. */
export function expectRollbackFailedCounted(metrics: readonly EmfMetric[]): void {
  expect(metrics).toEqual([
    {
      namespace: CONFIG.metricNamespace,
      name: 'RollbackFailed',
      unit: 'Count',
      value: 1,
      dimensions: { Service: 'orders-api' },
    },
  ]);
}
