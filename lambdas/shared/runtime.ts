import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseStore, ReleaseHistory } from './aws/store';
import type { RuntimeConfig } from './config';

/**
 * Clients are created once per container and only when a handler first asks for one, so each
 * bundle carries just the SDK clients its handler uses.
 */
let elb: ElasticLoadBalancingV2Client | undefined;
let cloudWatch: CloudWatchClient | undefined;
let doc: DynamoDBDocumentClient | undefined;
let events: EventBridgeClient | undefined;
let lambda: LambdaClient | undefined;

export function elbClient(): ElasticLoadBalancingV2Client {
  elb ??= new ElasticLoadBalancingV2Client({});
  return elb;
}

export function cloudWatchClient(): CloudWatchClient {
  cloudWatch ??= new CloudWatchClient({});
  return cloudWatch;
}

export function documentClient(): DynamoDBDocumentClient {
  doc ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return doc;
}

export function eventsClient(): EventBridgeClient {
  events ??= new EventBridgeClient({});
  return events;
}

export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({});
  return lambda;
}

export function leaseStore(config: RuntimeConfig): LeaseStore {
  return new LeaseStore(documentClient(), config.tableName, config.service);
}

export function releaseHistory(config: RuntimeConfig): ReleaseHistory {
  return new ReleaseHistory(documentClient(), config.tableName, config.service);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** How long one polling invocation keeps going before it hands back to the state machine. */
export const POLL_BUDGET_MS = 50_000;

/** One JSON line per event, so CloudWatch Logs Insights can query by field. Never logs secrets. */
export function log(
  level: 'info' | 'warn' | 'error',
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const line = JSON.stringify({ level, message, ...fields, time: new Date().toISOString() });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
