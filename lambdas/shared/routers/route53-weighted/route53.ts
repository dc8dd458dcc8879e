import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { RouterStateUnknown } from '../../contract';
import type { CheckerReport } from './health-check';
import { comparableName } from './names';

/** The Route 53 calls of the router, each turning AWS's "not found" into RouterStateUnknown. */

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** More pages than one name and type can fill (Route 53 answers up to 300 records a page). */
const MAX_PAGES = 10;

/**
 * The record sets of one name and type, read from where they start: the listing is ordered by name
 * and type, so reading stops at the first record past them. A truncated page that names no
 * NextRecordIdentifier within the same name and type cannot be continued; that is an error, never a
 * loop over the same page.
 */
export async function listRecordSets(
  client: Route53Client,
  hostedZoneId: string,
  recordName: string,
  recordType: string,
): Promise<ResourceRecordSet[]> {
  const wanted = comparableName(recordName);
  const sameKey = (name: string | undefined, type: string | undefined) =>
    comparableName(name ?? '') === wanted && type === recordType;
  const sets: ResourceRecordSet[] = [];
  let identifier: string | undefined;
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    let out: ListResourceRecordSetsCommandOutput;
    try {
      out = await client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: recordName,
          StartRecordType: recordType as RRType,
          ...(identifier ? { StartRecordIdentifier: identifier } : {}),
        }),
      );
    } catch (error) {
      if (errorName(error) === 'NoSuchHostedZone') {
        throw new RouterStateUnknown(`hosted zone ${hostedZoneId} was not found: check traffic.hostedZoneId`);
      }
      throw error;
    }
    const records = out.ResourceRecordSets ?? [];
    for (const set of records) {
      if (!sameKey(set.Name, set.Type)) return sets;
      sets.push(set);
    }
    if (!out.IsTruncated || !sameKey(out.NextRecordName, out.NextRecordType)) return sets;
    const next = out.NextRecordIdentifier;
    if (!next || seen.has(next)) {
      throw new Error(
        `ListResourceRecordSets of ${recordName} ${recordType} in hosted zone ${hostedZoneId} answered a truncated page ${next ? `naming record ${next} again` : 'without NextRecordIdentifier'}; the records cannot be read whole`,
      );
    }
    seen.add(next);
    identifier = next;
  }
  throw new Error(
    `${recordName} ${recordType} in hosted zone ${hostedZoneId} has more records than ${MAX_PAGES} pages hold`,
  );
}

/** Sends one change batch; answers the change id, without the `/change/` prefix. */
export async function changeRecordSets(
  client: Route53Client,
  hostedZoneId: string,
  changes: Change[],
  comment: string,
): Promise<string> {
  const out = await client.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: { Comment: comment, Changes: changes },
    }),
  );
  const id = out.ChangeInfo?.Id;
  if (!id) throw new Error(`ChangeResourceRecordSets in hosted zone ${hostedZoneId} answered no change id`);
  return id.replace(/^\/change\//, '');
}

export interface InsyncWait {
  /** How long the change may stay PENDING. */
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Polls GetChange until the change is INSYNC or the deadline passes; answers the last status. A
 * change still PENDING is not a failure: Route 53 applies a batch it accepted, it only has not
 * reached every name server yet (that takes up to about a minute).
 */
export async function waitInsync(
  client: Route53Client,
  changeId: string,
  wait: InsyncWait,
): Promise<'INSYNC' | 'PENDING'> {
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = wait.now ?? Date.now;
  const deadline = now() + wait.timeoutMs;
  for (;;) {
    const out = await client.send(new GetChangeCommand({ Id: changeId }));
    const status = out.ChangeInfo?.Status;
    if (status === 'INSYNC') return 'INSYNC';
    if (now() + wait.pollMs > deadline) return 'PENDING';
    await sleep(wait.pollMs);
  }
}

/** Each checker's last observation of a Route 53 health check. */
export async function healthCheckReports(
  client: Route53Client,
  healthCheckId: string,
): Promise<CheckerReport[]> {
  try {
    const out = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }));
    return (out.HealthCheckObservations ?? []).map((o) => ({
      ...(o.Region ? { region: o.Region } : {}),
      ...(o.IPAddress ? { ipAddress: o.IPAddress } : {}),
      status: o.StatusReport?.Status ?? 'unknown',
    }));
  } catch (error) {
    if (errorName(error) === 'NoSuchHealthCheck') {
      throw new RouterStateUnknown(
        `Route 53 health check ${healthCheckId} was not found: it was deleted or the config names the wrong one`,
      );
    }
    throw error;
  }
}
