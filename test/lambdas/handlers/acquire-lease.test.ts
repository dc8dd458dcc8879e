import { GetCommand, PutCommand, type PutCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/acquire-lease';
import { TRANSIENT_ERROR_NAMES } from '../../../lambdas/shared/aws/transient';
import { CutoverInProgress } from '../../../lambdas/shared/contract';
import type { WorkflowState } from '../../../lambdas/shared/state';
import {
  CUTOVER_ARN,
  CUTOVER_RELEASE,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  LEASE_KEY,
  leaseItem,
  quietLogs,
  rejected,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import { executionsAre, fakeClockEachTest, mockAws } from './support-mocks';

const NOW = new Date('2026-11-27T12:30:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

const { ddb, sfn } = mockAws('ddb', 'sfn');
// The cutover a rollback would join is still running, unless a test says otherwise.
executionsAre(sfn);
const config = useConfig();

/** The state AcquireLease receives: Validate's output, before any lease or roles. */
function requested(state: WorkflowState): WorkflowState {
  const { lease: _lease, roles: _roles, ...rest } = state;
  return rest;
}

/**
 * A table holding `item` as the lease. Puts are judged the way DynamoDB judges the lease condition
 * (free, expired before `:now`, or already `:me`'s), so the handler's condition values decide.
 */
function tableHolding(item: Record<string, unknown> | undefined): void {
  let stored = item;
  ddb.on(PutCommand).callsFake(async (input: PutCommandInput) => {
    const values = input.ExpressionAttributeValues ?? {};
    const free =
      stored === undefined ||
      Number(stored.expiresAt) < Number(values[':now']) ||
      stored.owner === values[':me'];
    if (!free) throw conditionFailed();
    stored = input.Item;
    return {};
  });
  ddb.on(GetCommand, { Key: LEASE_KEY }).callsFake(async () => ({ Item: stored }));
}

describe('acquire-lease handler', () => {
  fakeClockEachTest(NOW);
  beforeEach(() => {
    quietLogs();
  });

  it('takes a free lease with a condition on its owner and its expiry', async () => {
    // Prepare
    tableHolding(undefined);

    // Act
    const state = await handler(stepEvent(requested(cutoverState())));

    // Assess
    const expiresAt = NOW_SECONDS + config.leaseSeconds;
    expect(state.lease).toEqual({ owner: EXECUTION_ARN, expiresAt });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: config.tableName,
      Item: expect.objectContaining({
        ...LEASE_KEY,
        owner: EXECUTION_ARN,
        action: 'cutover',
        version: 'v2',
        phase: 'acquired',
        acquiredAt: NOW.toISOString(),
        expiresAt,
      }),
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :me',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': NOW_SECONDS, ':me': EXECUTION_ARN },
    });
  });

  it('fails with LeaseContended, which the state machine retries, when the holder let go between write and read', async () => {
    // Prepare: the conditional write fails on a live holder, which has released by the time it is read
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand, { Key: LEASE_KEY }).resolves({});

    // Act
    const attempt = handler(stepEvent(requested(cutoverState())));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'LeaseContended' });
    expect(TRANSIENT_ERROR_NAMES).toContain('LeaseContended');
  });

  it('refuses with CutoverInProgress naming the execution that holds a live lease', async () => {
    // Prepare
    tableHolding(
      leaseItem({ owner: CUTOVER_ARN, version: 'v1', phase: 'baking', expiresAt: NOW_SECONDS + 600 }),
    );

    // Act
    const error = await rejected(handler(stepEvent(requested(cutoverState()))));

    // Assess
    expect(error).toBeInstanceOf(CutoverInProgress);
    expect(error.name).toBe('CutoverInProgress');
    expect(error.details.message).toContain(CUTOVER_ARN);
    expect(error.details.message).toContain('"v1"');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('takes over a lease whose owner let it expire', async () => {
    // Prepare
    tableHolding(leaseItem({ owner: CUTOVER_ARN, phase: 'baking', expiresAt: NOW_SECONDS - 1 }));

    // Act
    const state = await handler(stepEvent(requested(cutoverState())));

    // Assess
    expect(state.lease).toEqual({ owner: EXECUTION_ARN, expiresAt: NOW_SECONDS + config.leaseSeconds });
  });

  it('succeeds again when the same execution retries the step', async () => {
    // Prepare
    tableHolding(undefined);
    const event = stepEvent(requested(cutoverState()));
    const first = await handler(event);

    // Act
    const retried = await handler(event);

    // Assess
    expect(retried.lease).toEqual(first.lease);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 2);
  });

  it('joins a baking cutover: records the rollback request on its lease instead of failing', async () => {
    // Prepare
    tableHolding(
      leaseItem({
        owner: CUTOVER_ARN,
        phase: 'baking',
        releaseKey: CUTOVER_RELEASE,
        expiresAt: NOW_SECONDS + 6000,
      }),
    );
    ddb.on(UpdateCommand).resolves({});
    const rollback = requested(
      rollbackState({ request: { action: 'rollback', dryRun: false, force: false, reason: 'p99 latency' } }),
    );

    // Act
    const state = await handler(stepEvent(rollback));

    // Assess
    expect(state.lease).toEqual({
      owner: CUTOVER_ARN,
      expiresAt: NOW_SECONDS + 6000,
      joined: { executionArn: CUTOVER_ARN, releaseKey: CUTOVER_RELEASE },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: LEASE_KEY,
      UpdateExpression: 'SET rollbackRequest = if_not_exists(rollbackRequest, :request)',
      ConditionExpression: '#owner = :holder AND #phase IN (:p1, :p2, :p3)',
      ExpressionAttributeValues: {
        ':holder': CUTOVER_ARN,
        ':request': { by: EXECUTION_ARN, at: NOW.toISOString(), reason: 'p99 latency' },
        ':p1': 'switching',
        ':p2': 'baking',
        ':p3': 'draining',
      },
    });
  });

  it('refuses a rollback with CutoverInProgress while the cutover has not switched yet', async () => {
    // Prepare
    tableHolding(leaseItem({ owner: CUTOVER_ARN, phase: 'acquired', expiresAt: NOW_SECONDS + 6000 }));

    // Act
    const error = await rejected(handler(stepEvent(requested(rollbackState()))));

    // Assess
    expect(error).toBeInstanceOf(CutoverInProgress);
    expect(error.details.message).toContain(CUTOVER_ARN);
    expect(error.details.message).toContain('has not moved traffic yet');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('refuses a rollback with CutoverInProgress saying the cutover is already rolling back', async () => {
    // Prepare
    tableHolding(
      leaseItem({
        owner: CUTOVER_ARN,
        phase: 'rolling-back',
        previous: 'blue',
        target: 'green',
        expiresAt: NOW_SECONDS + 6000,
      }),
    );

    // Act
    const error = await rejected(handler(stepEvent(requested(rollbackState()))));

    // Assess
    expect(error).toBeInstanceOf(CutoverInProgress);
    expect(error.details.message).toContain(CUTOVER_ARN);
    expect(error.details.message).toContain('(phase rolling-back');
    expect(error.details.message).toContain('it is already rolling back');
    expect(error.details.message).not.toContain('has not moved traffic yet');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});
