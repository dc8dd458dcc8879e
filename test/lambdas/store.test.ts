import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { leaseStore, releaseHistory } from '../../lambdas/shared/aws/store';
import { CONFIG, leaseItem } from './handlers/support';
import { mockAws } from './handlers/support-mocks';

const { ddb } = mockAws('ddb');

describe('the release table', () => {
  it('reads the lease it wrote', async () => {
    ddb.on(GetCommand).resolves({ Item: leaseItem({ phase: 'baking', previous: 'blue' }) });
    expect(await leaseStore(CONFIG).read()).toMatchObject({ phase: 'baking', previous: 'blue' });
  });

  it('refuses a corrupt lease with an error naming its key and the field, instead of acting on it', async () => {
    ddb.on(GetCommand).resolves({ Item: leaseItem({ phase: 'half-done' as never }) });
    await expect(leaseStore(CONFIG).read()).rejects.toThrow(
      /lease item service#orders-api \/ lease in the release table is corrupt at phase/,
    );
  });

  it('reads the history page by page until the question is decided, past a run of failed attempts', async () => {
    const item = (n: number, outcome: string, kind = 'rollback') => ({
      pk: 'service#orders-api',
      sk: `release#2026-11-27T12:${String(n).padStart(4, '0')}#r${n}`,
      kind,
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:r${n}`,
      from: 'blue',
      to: 'green',
      schemaChange: 'none',
      outcome,
      startedAt: '2026-11-27T12:00:00.000Z',
    });
    const failed = Array.from({ length: 100 }, (_, n) => item(1000 - n, 'failed'));
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: failed, LastEvaluatedKey: { pk: 'service#orders-api', sk: failed[99]!.sk } })
      .resolvesOnce({ Items: [item(1, 'succeeded', 'cutover')], LastEvaluatedKey: { pk: 'x', sk: 'y' } })
      .resolves({ Items: [] });
    const records = await releaseHistory(CONFIG).recent((read) =>
      read.some((r) => r.outcome === 'succeeded'),
    );
    expect(records).toHaveLength(101);
    expect(records[100]).toMatchObject({ kind: 'cutover', outcome: 'succeeded' });
    // It stopped once the good release was in sight, without reading the third page.
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({
      pk: 'service#orders-api',
      sk: failed[99]!.sk,
    });
  });

  it('refuses a corrupt release record in the history, naming it', async () => {
    const record = {
      pk: 'service#orders-api',
      sk: 'release#2026-11-27T12:00:00.000Z#release-0',
      kind: 'cutover',
    };
    ddb.on(QueryCommand).resolves({ Items: [record] });
    await expect(releaseHistory(CONFIG).recent()).rejects.toThrow(
      /release item service#orders-api \/ release#2026-11-27T12:00:00.000Z#release-0 .* is corrupt at executionArn/,
    );
  });
});
