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
