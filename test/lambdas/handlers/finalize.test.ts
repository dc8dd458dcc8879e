import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/finalize';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  LEASE_KEY,
  leaseItem,
  RECORD_KEY,
  ROLES,
  rejectedWith,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import {
  busAcceptsEvents,
  expectLeaseReleased,
  fakeClockEachTest,
  leaseIs,
  mockAws,
  tableAcceptsWrites,
} from './support-mocks';

const NOW = new Date('2026-11-27T12:45:00.000Z');
const SWITCHED_AT = '2026-11-27T12:20:00.000Z';
const ROLLBACK_RELEASE = 'release#2026-11-27T13:00:00.000Z#rollback-1';

const { ddb, events } = mockAws('ddb', 'events');
const config = useConfig();

function switchedCutover(): WorkflowState {
  return cutoverState({
    switched: { at: SWITCHED_AT, drainSeconds: 300 },
    gate: { warnings: ['alarm "orders-api-5xx" has INSUFFICIENT_DATA'], alarms: [] },
  });
}

function switchedRollback(): WorkflowState {
  const state = rollbackState({ switched: { at: SWITCHED_AT, drainSeconds: 300 } });
  return { ...state, roles: { ...state.roles!, releaseKey: ROLLBACK_RELEASE } };
}

/** The detail of the one release event put on the bus. */
function releaseEvent(): { detailType: string | undefined; detail: Record<string, unknown> } {
  const entries = events.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
  expect(entries).toHaveLength(1);
  const entry = entries[0]!;
  expect(entry).toMatchObject({ EventBusName: config.eventBusName, Source: 'bluegreen.cutover' });
  return {
    detailType: entry.DetailType,
    detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
  };
}

/** This execution's release record as DynamoDB returns it, with `outcome`. */
function recordItem(outcome: string): Record<string, unknown> {
  return {
    ...RECORD_KEY,
    kind: 'cutover',
    executionArn: EXECUTION_ARN,
    version: 'v2',
    from: 'blue',
    to: 'green',
    schemaChange: 'none',
    outcome,
    startedAt: '2026-11-27T12:00:00.000Z',
  };
}

describe('finalize handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    tableAcceptsWrites(ddb);
    busAcceptsEvents(events);
    leaseIs(ddb, { phase: 'draining' });
  });

  it('records the cutover as succeeded, releases its own lease and announces the release', async () => {
    // Act
    const { result } = await handler(stepEvent(switchedCutover()));

    // Assess
    expect(result).toEqual({
      action: 'cutover',
      live: 'green',
      previous: 'blue',
      version: 'v2',
      schemaChange: 'none',
      warnings: ['alarm "orders-api-5xx" has INSUFFICIENT_DATA'],
      switchedAt: SWITCHED_AT,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: config.tableName,
      Key: RECORD_KEY,
      ExpressionAttributeValues: { ':outcome': 'succeeded', ':finishedAt': NOW.toISOString() },
    });
    expectLeaseReleased(ddb, {
      TableName: config.tableName,
      ConditionExpression: '#owner = :me',
      ExpressionAttributeNames: { '#owner': 'owner' },
    });
    const { detailType, detail } = releaseEvent();
    expect(detailType).toBe('Release Succeeded');
    // The execution started at 12:00, finalized at 12:45.
    expect(detail).toEqual({
      service: 'orders-api',
      executionArn: EXECUTION_ARN,
      ...result,
      elapsedMs: 45 * 60_000,
    });
  });

  it('marks the release a rollback undid as rolled back, at the time traffic went back', async () => {
    // Act
    const { result } = await handler(stepEvent(switchedRollback()));

    // Assess
    expect(result).toMatchObject({ action: 'rollback', live: 'blue', previous: 'green', version: 'v1' });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'service#orders-api', sk: ROLLBACK_RELEASE },
      ExpressionAttributeValues: { ':outcome': 'succeeded', ':finishedAt': NOW.toISOString() },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: RECORD_KEY,
      ExpressionAttributeValues: { ':outcome': 'rolled-back', ':rolledBackAt': SWITCHED_AT },
    });
    expect(releaseEvent().detail).toMatchObject({ action: 'rollback', live: 'blue', previous: 'green' });
  });

  it('succeeds again on a retry that finds its lease already released', async () => {
    // Prepare: the first attempt recorded the release and gave the lease up
    const event = stepEvent(switchedCutover());
    const first = await handler(event);
    ddb.on(DeleteCommand).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves({});
    ddb.on(GetCommand, { Key: RECORD_KEY }).resolves({ Item: recordItem('succeeded') });

    // Act
    const retried = await handler(event);

    // Assess
    expect(retried).toEqual(first);
    expect(ddb).toHaveReceivedCommandTimes(DeleteCommand, 2);
  });

  it('records nothing when the lease was released by someone else (the cleanup of a stop)', async () => {
    // Prepare: a redriven execution reaches Finalize after the stop cleanup freed its lease
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves({});
    ddb.on(GetCommand, { Key: RECORD_KEY }).resolves({ Item: recordItem('rolled-back') });

    // Act
    const error = (await rejectedWith(handler(stepEvent(switchedCutover())))) as Error;

    // Assess
    expect(error.message).toMatch(/no longer holds its lease \(it was released/);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('records nothing when another execution holds the lease', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: LEASE_KEY })
      .resolves({ Item: leaseItem({ owner: 'arn:aws:states:::execution:other' }) });
    ddb.on(GetCommand, { Key: RECORD_KEY }).resolves({ Item: recordItem('in-progress') });

    // Act
    const error = (await rejectedWith(handler(stepEvent(switchedCutover())))) as Error;

    // Assess
    expect(error.message).toMatch(/execution:other holds it/);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('ends a dry run by releasing the lease only: no history, no event', async () => {
    // Prepare
    const plan = { switch: 'blue -> green', idleAttached: true };
    const state = cutoverState({
      request: { action: 'cutover', version: 'v2', dryRun: true, schemaChange: 'none' },
      roles: { ...ROLES, releaseKey: undefined },
      gate: { warnings: [], alarms: [], plan },
    });

    // Act
    const { result } = await handler(stepEvent(state));

    // Assess
    expect(result).toEqual({
      action: 'cutover',
      live: 'blue',
      previous: 'blue',
      version: 'v2',
      dryRun: true,
      plan,
      warnings: [],
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      ExpressionAttributeValues: { ':me': EXECUTION_ARN },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
