import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Color } from '../config';
import type { SchemaChange } from '../input';

/**
 * The lease (one item per service: who may write the router right now) and the release history
 * (one item per execution that got past ResolveRoles) share one table, under the service's key.
 */

export type LeasePhase = 'acquired' | 'switching' | 'baking' | 'draining' | 'finishing' | 'rolling-back';

/** Phases in which traffic already moved: a rollback request can join the execution. */
export const SWITCHED_PHASES: readonly LeasePhase[] = ['switching', 'baking', 'draining'];

export interface LeaseItem {
  readonly owner: string;
  readonly action: 'cutover' | 'rollback';
  readonly version?: string;
  readonly phase: LeasePhase;
  readonly acquiredAt: string;
  /** Epoch seconds after which anyone may take the lease. */
  readonly expiresAt: number;
  /** Set once traffic moved, so that whoever cleans up a stopped execution can restore it. */
  readonly previous?: Color;
  readonly target?: Color;
  readonly releaseKey?: string;
  readonly rollbackRequest?: { readonly by: string; readonly reason?: string; readonly at: string };
}

export type ReleaseOutcome = 'in-progress' | 'succeeded' | 'failed' | 'rolled-back' | 'rollback-failed';

export interface ReleaseRecord {
  readonly key: string;
  readonly kind: 'cutover' | 'rollback';
  readonly executionArn: string;
  readonly version?: string;
  /** Cutover records: the version `from` ran when the release started, if the history knows it. */
  readonly previousVersion?: string;
  readonly from: Color;
  readonly to: Color;
  readonly schemaChange: SchemaChange;
  readonly outcome: ReleaseOutcome;
  readonly startedAt: string;
  readonly switchedAt?: string;
  readonly finishedAt?: string;
  /** When traffic left `to` again (a rollback of this release). */
  readonly rolledBackAt?: string;
  readonly reason?: string;
  readonly error?: string;
  /** Rollback records: the release they undo. */
  readonly undoes?: string;
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
    return out.Item as LeaseItem | undefined;
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
    const names: Record<string, string> = { '#owner': 'owner', '#phase': 'phase' };
    const values: Record<string, unknown> = { ':me': owner, ':now': nowSeconds, ':phase': phase };
    const sets = ['#phase = :phase'];
    for (const [key, value] of Object.entries(extra)) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      values[`:${key}`] = value;
      sets.push(`#${key} = :${key}`);
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition(this.service), sk: LEASE_SK },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#owner = :me AND expiresAt > :now',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
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
            ':request': { by, at, ...(reason ? { reason } : {}) },
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
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
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

  /** Newest first. */
  async recent(limit = 100): Promise<ReleaseRecord[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': partition(this.service), ':prefix': 'release#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (out.Items ?? []).map(toRecord);
  }
}

function toRecord(item: Record<string, unknown>): ReleaseRecord {
  const { pk: _pk, sk, ...rest } = item;
  return { key: String(sk), ...(rest as Omit<ReleaseRecord, 'key'>) };
}
