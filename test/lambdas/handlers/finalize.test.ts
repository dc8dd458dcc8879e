import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/finalize';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  RECORD_KEY,
  ROLES,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import {
  busAcceptsEvents,
  expectLeaseReleased,
  fakeClockEachTest,
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

describe('finalize handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    tableAcceptsWrites(ddb);
    busAcceptsEvents(events);
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
    expect(detail).toEqual({ service: 'orders-api', executionArn: EXECUTION_ARN, ...result });
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
    // Prepare
    const event = stepEvent(switchedCutover());
    const first = await handler(event);
    ddb.on(DeleteCommand).rejects(conditionFailed());

    // Act
    const retried = await handler(event);

    // Assess
    expect(retried).toEqual(first);
    expect(ddb).toHaveReceivedCommandTimes(DeleteCommand, 2);
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
