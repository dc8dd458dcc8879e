import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import {
  type LeaseItem,
  type LeasePhase,
  leaseItemSchema,
  type ReleaseRecord,
  type RuntimeConfig,
  releaseRecordSchema,
  SWITCHED_PHASES,
} from '../contract';
import { traced } from '../observability';

/**
 * The lease (one item per service: who may write the router right now) and the release history
 * (one item per execution that got past ResolveRoles) share one table, under the service's key.
 */

let doc: DynamoDBDocumentClient | undefined;

function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return doc;
}

export function leaseStore(config: Pick<RuntimeConfig, 'tableName' | 'service'>): LeaseStore {
  return new LeaseStore(documentClient(), config.tableName, config.service);
}

export function releaseHistory(config: Pick<RuntimeConfig, 'tableName' | 'service'>): ReleaseHistory {
  return new ReleaseHistory(documentClient(), config.tableName, config.service);
}

/** An item of the table that does not have the shape this code writes: named by its key, never cast. */
function parseItem<S extends z.ZodType>(schema: S, item: Record<string, unknown>, what: string): z.output<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `the ${what} item ${String(item.pk)} / ${String(item.sk)} in the release table is corrupt at ${issue?.path.join('.') || '?'}: ${issue?.message ?? ''}; fix or delete it by hand`,
  );
}

/** `SET #a = :a, ...` for the fields that have a value, with their names and values. */
function setExpression(fields: Record<string, unknown>): {
  readonly sets: string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return { sets, names, values };
}

const LEASE_SK = 'lease';

function partition(service: string): string {
  return `service#${service}`;
}

export function releaseKey(startedAt: string, executionName: string): string {
  return `release#${startedAt}#${executionName}`;
}

export class LeaseStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly service: string,
  ) {}

  async read(): Promise<LeaseItem | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: partition(this.service), sk: LEASE_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? parseItem(leaseItemSchema, out.Item, 'lease') : undefined;
  }

  /**
   * Takes the lease unless a live owner holds it. Re-running with the same owner succeeds again
   * (Step Functions may retry the step), and an expired lease is taken over: its owner is gone.
   */
  async acquire(
    lease: Omit<LeaseItem, 'phase'>,
    nowSeconds: number,
  ): Promise<{ acquired: true } | { acquired: false; holder?: LeaseItem }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: partition(this.service),
            sk: LEASE_SK,
            ...lease,
            phase: 'acquired',
            ttl: lease.expiresAt + 86400,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':me': lease.owner },
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.read();
      return holder ? { acquired: false, holder } : { acquired: false };
    }
  }

  /**
   * The fence before a router write: succeeds only while `owner` still holds an unexpired lease,
   * and records the phase (and what to restore) in the same conditional write.
   */
  async fence(
    owner: string,
    phase: LeasePhase,
    nowSeconds: number,
    extra: Partial<Pick<LeaseItem, 'previous' | 'target' | 'releaseKey'>> = {},
  ): Promise<boolean> {
    const { sets, names, values } = setExpression({ phase, ...extra });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(this.service), sk: LEASE_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#owner = :me AND expiresAt > :now',
          ExpressionAttributeNames: { ...names, '#owner': 'owner' },
          ExpressionAttributeValues: { ...values, ':me': owner, ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Asks the holder (a cutover whose traffic already moved) to roll back at its next look. */
  async requestRollback(holder: string, by: string, at: string, reason?: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(this.service), sk: LEASE_SK },
          UpdateExpression: 'SET rollbackRequest = if_not_exists(rollbackRequest, :request)',
          ConditionExpression: '#owner = :holder AND #phase IN (:p1, :p2, :p3)',
          ExpressionAttributeNames: { '#owner': 'owner', '#phase': 'phase' },
          ExpressionAttributeValues: {
            ':holder': holder,
            ':request': { by, at, reason },
            ':p1': SWITCHED_PHASES[0],
            ':p2': SWITCHED_PHASES[1],
            ':p3': SWITCHED_PHASES[2],
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Moves the lease from `owner` to `holder` if `owner` still holds it: the cleanup of a stopped
   * execution takes it over, so that nothing the stopped execution still runs (or a redrive of it)
   * passes a fence while the cleanup works. Answers whether it moved.
   */
  async takeOver(owner: string, holder: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(this.service), sk: LEASE_SK },
          UpdateExpression: 'SET #owner = :holder',
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner, ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Gives the lease up; a lease already gone or taken over is left alone (idempotent). */
  async release(owner: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: partition(this.service), sk: LEASE_SK },
          ConditionExpression: '#owner = :me',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

export class ReleaseHistory {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly service: string,
  ) {}

  /** Creates the record once; a retry of the same step finds it there and changes nothing. */
  async create(record: ReleaseRecord): Promise<void> {
    const { key, ...rest } = record;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: partition(this.service), sk: key, ...rest },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async update(key: string, fields: Partial<Omit<ReleaseRecord, 'key'>>): Promise<void> {
    const { sets, names, values } = setExpression(fields);
    if (sets.length === 0) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: partition(this.service), sk: key },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(sk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async get(key: string): Promise<ReleaseRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: partition(this.service), sk: key },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  /**
   * Newest first, a page at a time, until `enough` says the records read so far decide the
   * question (or the history ends, or `maxRecords` were read): a run of failed releases must not
   * push the last good one out of sight.
   */
  async recent(
    enough: (records: readonly ReleaseRecord[]) => boolean = () => true,
    maxRecords = 1000,
  ): Promise<ReleaseRecord[]> {
    const records: ReleaseRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition(this.service), ':prefix': 'release#' },
          ScanIndexForward: false,
          Limit: 100,
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      records.push(...(out.Items ?? []).map(toRecord));
      start = out.LastEvaluatedKey;
    } while (start && records.length < maxRecords && !enough(records));
    return records;
  }
}

function toRecord(item: Record<string, unknown>): ReleaseRecord {
  return parseItem(releaseRecordSchema, { ...item, key: item.sk }, 'release');
}
