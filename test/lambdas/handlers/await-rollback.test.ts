import { GetCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/await-rollback';
import type { ReleaseRecord } from '../../../lambdas/shared/contract';
import { RollbackFailed } from '../../../lambdas/shared/contract';
import type { WorkflowState } from '../../../lambdas/shared/state';
import { POLL_BUDGET_MS } from '../../../lambdas/shared/step';
import {
  CUTOVER_ARN,
  CUTOVER_RELEASE,
  EXECUTION_ARN,
  LEASE_KEY,
  leaseItem,
  onFakeClock,
  rejected,
  releaseItem,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import { executionsAre, fakeClockEachTest, mockAws } from './support-mocks';

const NOW = new Date('2026-11-27T12:25:00.000Z');
const CUTOVER_RECORD_KEY = { pk: 'service#orders-api', sk: CUTOVER_RELEASE };

const { ddb, sfn } = mockAws('ddb', 'sfn');
// The cutover a rollback would join is still running, unless a test says otherwise.
executionsAre(sfn);
useConfig();

/** The joined cutover's release record (blue -> green) with the given outcome. */
function cutoverRecord(
  outcome: ReleaseRecord['outcome'],
  extra: Partial<ReleaseRecord> = {},
): Record<string, unknown> {
  return releaseItem({
    key: CUTOVER_RELEASE,
    kind: 'cutover',
    executionArn: CUTOVER_ARN,
    version: 'v2',
    from: 'blue',
    to: 'green',
    schemaChange: 'none',
    outcome,
    startedAt: '2026-11-27T12:00:00.000Z',
    switchedAt: '2026-11-27T12:20:00.000Z',
    ...extra,
  });
}

/** A console rollback that joined the baking cutover in AcquireLease. */
function joinedRollback(): WorkflowState {
  const { roles: _roles, ...state } = rollbackState({
    request: { action: 'rollback', dryRun: false, force: false, reason: 'p99 latency' },
    lease: {
      owner: CUTOVER_ARN,
      expiresAt: 1_900_000_000,
      joined: { executionArn: CUTOVER_ARN, releaseKey: CUTOVER_RELEASE },
    },
  });
  return state;
}

describe('await-rollback handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    ddb
      .on(GetCommand, { Key: LEASE_KEY })
      .resolves({ Item: leaseItem({ owner: CUTOVER_ARN, phase: 'baking', releaseKey: CUTOVER_RELEASE }) });
  });

  it('waits until the joined cutover has put traffic back, then succeeds with the rollback output', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: CUTOVER_RECORD_KEY })
      .resolvesOnce({ Item: cutoverRecord('in-progress') })
      .resolvesOnce({ Item: cutoverRecord('in-progress') })
      .resolves({ Item: cutoverRecord('rolled-back', { rolledBackAt: '2026-11-27T12:25:01.000Z' }) });

    // Act
    const state = await onFakeClock(handler(stepEvent(joinedRollback())));

    // Assess
    expect(state.joinVerdict).toBe('done');
    expect(state.result).toMatchObject({
      action: 'rollback',
      live: 'blue',
      previous: 'green',
      joined: CUTOVER_ARN,
      reason: 'p99 latency',
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: CUTOVER_RECORD_KEY, ConsistentRead: true });
    expect(ddb.commandCalls(GetCommand, { Key: CUTOVER_RECORD_KEY })).toHaveLength(3);
  });

  it('reports the version live again as `version` and the cutover it undid as `undid`', async () => {
    // Prepare: the joined cutover took green to v2 while blue ran v1
    ddb.on(GetCommand, { Key: CUTOVER_RECORD_KEY }).resolves({
      Item: cutoverRecord('rolled-back', { previousVersion: 'v1', rolledBackAt: NOW.toISOString() }),
    });

    // Act
    const state = await onFakeClock(handler(stepEvent(joinedRollback())));

    // Assess
    expect(state.joinVerdict).toBe('done');
    expect(state.result).toMatchObject({ live: 'blue', previous: 'green', version: 'v1', undid: 'v2' });
  });

  it('fails with RollbackFailed when the joined cutover could not restore traffic', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: CUTOVER_RECORD_KEY })
      .resolves({ Item: cutoverRecord('rollback-failed', { reason: 'blue is not fully healthy' }) });

    // Act
    const error = await rejected(onFakeClock(handler(stepEvent(joinedRollback()))));

    // Assess
    expect(error).toBeInstanceOf(RollbackFailed);
    expect(error.name).toBe('RollbackFailed');
    expect(error.details.message).toContain(CUTOVER_ARN);
    expect(error.details.message).toContain('blue is not fully healthy');
    expect(error.details.message).toContain('an operator must restore blue by hand');
  });

  it('goes round for an ordinary rollback when the cutover finished before it saw the request', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: CUTOVER_RECORD_KEY }).resolves({ Item: cutoverRecord('succeeded') });

    // Act
    const state = await onFakeClock(handler(stepEvent(joinedRollback())));

    // Assess
    expect(state.joinVerdict).toBe('retry');
    expect(state.lease).toBeUndefined();
    expect(state.execution.arn).toBe(EXECUTION_ARN);
  });

  it('goes round for an ordinary rollback when the joined cutover left no record and released its lease', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: CUTOVER_RECORD_KEY }).resolves({});
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves({});

    // Act
    const state = await onFakeClock(handler(stepEvent(joinedRollback())));

    // Assess
    expect(state.joinVerdict).toBe('retry');
    expect(state.lease).toBeUndefined();
  });

  it('does not wait for a joined cutover that died: its lease is gone and its record still in progress', async () => {
    // Prepare: the cutover crashed, and the cleanup of failed executions freed its lease
    ddb.on(GetCommand, { Key: CUTOVER_RECORD_KEY }).resolves({ Item: cutoverRecord('in-progress') });
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves({});

    // Act
    const state = await onFakeClock(handler(stepEvent(joinedRollback())));

    // Assess
    expect(state.joinVerdict).toBe('retry');
    expect(ddb.commandCalls(GetCommand).length).toBe(2);
  });

  it('hands back to the state machine within its budget while the cutover is still rolling back', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: CUTOVER_RECORD_KEY }).resolves({ Item: cutoverRecord('in-progress') });
    const joined = joinedRollback();

    // Act
    const state = await onFakeClock(handler(stepEvent(joined)));

    // Assess
    expect(state.joinVerdict).toBe('waiting');
    expect(state.lease).toEqual(joined.lease);
    expect(ddb.commandCalls(GetCommand, { Key: CUTOVER_RECORD_KEY }).length).toBeGreaterThan(1);
    expect(Date.now() - NOW.getTime()).toBeLessThanOrEqual(POLL_BUDGET_MS);
  });
});
