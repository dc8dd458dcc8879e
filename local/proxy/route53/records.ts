import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { XMLParser } from 'fast-xml-parser';

/**
 * Route 53 record sets and change batches as the proxy judges them: what AWS would accept of a
 * batch, applied to the zone as it is, all or nothing. moto applies changes one by one, lets a DELETE
 * match without the weight, and accepts a CREATE of a record that exists; AWS refuses all of that.
 */

export const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export interface RecordChange {
  readonly action: ChangeAction;
  readonly set: ResourceRecordSet;
}

const parser = new XMLParser({
  parseTagValue: false,
  ignoreAttributes: true,
  isArray: (name) => name === 'Change' || name === 'ResourceRecord',
});

type XmlObject = { [key: string]: unknown };

function obj(value: unknown): XmlObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as XmlObject) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'string' && value !== '' ? Number(value) : undefined;
}

/** A ResourceRecordSet element of a request, in the SDK's shape. */
function recordSetOf(xml: XmlObject): ResourceRecordSet {
  const alias = obj(xml.AliasTarget);
  const records = obj(xml.ResourceRecords)?.ResourceRecord;
  return {
    Name: str(xml.Name) ?? '',
    Type: (str(xml.Type) ?? '') as ResourceRecordSet['Type'],
    ...(xml.SetIdentifier !== undefined ? { SetIdentifier: str(xml.SetIdentifier) } : {}),
    ...(xml.Weight !== undefined ? { Weight: num(xml.Weight) } : {}),
    ...(xml.Region !== undefined ? { Region: str(xml.Region) as ResourceRecordSet['Region'] } : {}),
    ...(xml.Failover !== undefined ? { Failover: str(xml.Failover) as ResourceRecordSet['Failover'] } : {}),
    ...(xml.MultiValueAnswer !== undefined ? { MultiValueAnswer: str(xml.MultiValueAnswer) === 'true' } : {}),
    ...(xml.TTL !== undefined ? { TTL: num(xml.TTL) } : {}),
    ...(Array.isArray(records)
      ? { ResourceRecords: records.map((r) => ({ Value: str(obj(r)?.Value) ?? '' })) }
      : {}),
    ...(alias
      ? {
          AliasTarget: {
            HostedZoneId: str(alias.HostedZoneId) ?? '',
            DNSName: str(alias.DNSName) ?? '',
            EvaluateTargetHealth: str(alias.EvaluateTargetHealth) === 'true',
          },
        }
      : {}),
    ...(xml.HealthCheckId !== undefined ? { HealthCheckId: str(xml.HealthCheckId) } : {}),
  };
}

/** The changes of a ChangeResourceRecordSets request body. */
export function parseChangeBatch(body: string): RecordChange[] {
  const doc = obj(parser.parse(body));
  const batch = obj(obj(doc?.ChangeResourceRecordSetsRequest)?.ChangeBatch);
  const changes = obj(batch?.Changes)?.Change;
  if (!Array.isArray(changes)) return [];
  return changes.map((c) => {
    const change = obj(c) ?? {};
    return {
      action: (str(change.Action) ?? '') as ChangeAction,
      set: recordSetOf(obj(change.ResourceRecordSet) ?? {}),
    };
  });
}

/** Decoded, lowercase, no trailing dot: how Route 53 compares names. */
export function comparable(name: string | undefined): string {
  return (name ?? '')
    .replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)))
    .toLowerCase()
    .replace(/\.$/, '');
}

/** Name, type and set identifier: what makes a record set one. */
export function keyOf(set: ResourceRecordSet): string {
  return `${comparable(set.Name)}|${set.Type ?? ''}|${set.SetIdentifier ?? ''}`;
}

/** Everything a DELETE must match, in one comparable form. moto answers alias records with TTL 0. */
export function canonical(set: ResourceRecordSet): string {
  const alias = set.AliasTarget;
  return JSON.stringify({
    key: keyOf(set),
    weight: set.Weight ?? null,
    region: set.Region ?? null,
    failover: set.Failover ?? null,
    multiValue: set.MultiValueAnswer ?? null,
    ttl: alias ? null : (set.TTL ?? null),
    values: (set.ResourceRecords ?? []).map((r) => r.Value ?? '').sort(),
    alias: alias
      ? {
          zone: alias.HostedZoneId ?? '',
          dns: comparable(alias.DNSName),
          evaluate: !!alias.EvaluateTargetHealth,
        }
      : null,
    healthCheck: set.HealthCheckId ?? null,
  });
}

function describe(set: ResourceRecordSet): string {
  return `[name='${comparable(set.Name)}.', type='${set.Type ?? ''}'${set.SetIdentifier !== undefined ? `, set-identifier='${set.SetIdentifier}'` : ''}]`;
}

export type BatchVerdict =
  | { readonly ok: true; readonly after: ResourceRecordSet[] }
  | { readonly ok: false; readonly message: string };

/**
 * The zone after the batch, applied in order to `current` as AWS does (each change sees the ones
 * before it), or why AWS refuses the whole batch.
 */
export function applyBatch(
  current: readonly ResourceRecordSet[],
  changes: readonly RecordChange[],
): BatchVerdict {
  if (changes.length === 0) return { ok: false, message: 'The change batch has no changes' };
  const zone = new Map(current.map((set) => [keyOf(set), set]));
  const problems: string[] = [];
  for (const { action, set } of changes) {
    const key = keyOf(set);
    const existing = zone.get(key);
    if (action === 'CREATE') {
      if (existing)
        problems.push(`Tried to create resource record set ${describe(set)} but it already exists`);
      else zone.set(key, set);
    } else if (action === 'DELETE') {
      if (!existing)
        problems.push(`Tried to delete resource record set ${describe(set)} but it was not found`);
      else if (canonical(existing) !== canonical(set)) {
        problems.push(
          `Tried to delete resource record set ${describe(set)} but the values provided do not match the current values`,
        );
      } else zone.delete(key);
    } else if (action === 'UPSERT') {
      zone.set(key, set);
    } else {
      problems.push(`Unknown change action '${action}'`);
    }
  }
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return { ok: true, after: [...zone.values()] };
}
