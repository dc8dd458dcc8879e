import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { SynthesizedTable } from '../assembly/types';
import { FAKE_CREDENTIALS } from '../common/account';

/** Creates the tables (with their TTL) in the endpoint, as a deploy would; existing tables are left alone. */
export async function deployTables(
  tables: readonly SynthesizedTable[],
  opts: { region: string; endpoint: string },
): Promise<void> {
  const client = new DynamoDBClient({ ...opts, credentials: FAKE_CREDENTIALS });
  try {
    for (const table of tables) {
      let exists = true;
      try {
        await client.send(new DescribeTableCommand({ TableName: table.name }));
      } catch (err) {
        if ((err as Error).name !== 'ResourceNotFoundException') throw err;
        exists = false;
      }
      if (!exists) {
        try {
          await client.send(new CreateTableCommand(table.createTableInput));
        } catch (err) {
          if ((err as Error).name !== 'ResourceInUseException') throw err;
        }
      }
      if (table.ttlAttribute) {
        const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
        const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
        if (status !== 'ENABLED' && status !== 'ENABLING') {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: table.name,
              TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
            }),
          );
        }
      }
    }
  } finally {
    client.destroy();
  }
}
