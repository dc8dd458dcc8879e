import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';
import { COLORS, type Color, otherColor, type Route53Traffic, RouterStateUnknown } from '../../contract';
import { splitMessage } from '../split';
import { comparableName } from './names';

/**
 * Pure logic over the `route53-weighted` router: which of the two weighted records is live, and the
 * one change batch that moves the weights. No AWS calls here.
 */

/** Resolvers may keep an alias record's answer this long (Route 53 answers alias records with TTL 60). */
export const ALIAS_TTL_SECONDS = 60;

export function setIdentifierOf(traffic: Route53Traffic, color: Color): string {
  return color === 'blue' ? traffic.blueSetIdentifier : traffic.greenSetIdentifier;
}

/** "records api.example.com A": how the router is named in messages. */
export function recordsName(traffic: Route53Traffic): string {
  return `records ${comparableName(traffic.recordName)} ${traffic.recordType}`;
}

/** Whether a record set is of the configured name and type. */
export function isOurs(traffic: Route53Traffic, set: ResourceRecordSet): boolean {
  return (
    comparableName(set.Name ?? '') === comparableName(traffic.recordName) && set.Type === traffic.recordType
  );
}

export interface RecordsRead {
  readonly live: Color;
  readonly split?: Record<Color, number>;
  readonly weights: Record<Color, number>;
  /** Each side's record exactly as read: what the next batch deletes. */
  readonly records: Record<Color, ResourceRecordSet>;
}

function describeSet(set: ResourceRecordSet): string {
  const policy =
    set.Weight !== undefined
      ? `weight ${set.Weight}`
      : set.Failover
        ? `failover ${set.Failover}`
        : set.Region
          ? `latency ${set.Region}`
          : set.GeoLocation || set.GeoProximityLocation
            ? 'geolocation'
            : set.MultiValueAnswer
              ? 'multivalue'
              : 'simple';
  return `${set.SetIdentifier ? `'${set.SetIdentifier}' ` : ''}(${policy})`;
}

/**
 * Reads the record sets of the configured name and type into roles. Only the states this workflow
 * makes are accepted: exactly the blue and green weighted records, one with weight and the other at
 * 0, or (with `allowSplit`) both with weights adding up to 100. Anything else is RouterStateUnknown,
 * naming what was found.
 */
export function readRecords(
  traffic: Route53Traffic,
  sets: readonly ResourceRecordSet[],
  opts: { readonly allowSplit?: boolean } = {},
): RecordsRead {
  const name = recordsName(traffic);
  const ours = sets.filter((s) => isOurs(traffic, s));
  const found = ours.map(describeSet).join(', ') || 'none';
  const notWeighted = ours.filter((s) => s.Weight === undefined || s.SetIdentifier === undefined);
  if (notWeighted.length > 0) {
    throw new RouterStateUnknown(
      `${name} must be two weighted records (set identifiers '${traffic.blueSetIdentifier}' and '${traffic.greenSetIdentifier}'), but a record of another routing policy has that name and type; found: ${found}`,
    );
  }
  const byColor: Partial<Record<Color, ResourceRecordSet>> = {};
  const foreign: ResourceRecordSet[] = [];
  for (const set of ours) {
    const color = COLORS.find((c) => setIdentifierOf(traffic, c) === set.SetIdentifier);
    if (color && !byColor[color]) byColor[color] = set;
    else foreign.push(set);
  }
  if (foreign.length > 0) {
    throw new RouterStateUnknown(
      `${name} has weighted records besides '${traffic.blueSetIdentifier}' and '${traffic.greenSetIdentifier}': ${foreign.map(describeSet).join(', ')} would keep getting traffic that this workflow does not move; remove them or give them other names (found: ${found})`,
    );
  }
  const missing = COLORS.filter((c) => !byColor[c]);
  if (missing.length > 0) {
    throw new RouterStateUnknown(
      `${name} has no weighted record with set identifier ${missing.map((c) => `'${setIdentifierOf(traffic, c)}' (${c})`).join(' or ')}; found: ${found}. Create it at weight 0, then retry`,
    );
  }
  const records = { blue: byColor.blue!, green: byColor.green! };
  const weights = { blue: records.blue.Weight ?? 0, green: records.green.Weight ?? 0 };
  const described = `blue=${weights.blue}, green=${weights.green}`;
  const withWeight = COLORS.filter((c) => weights[c] > 0);
  if (withWeight.length === 0) {
    throw new RouterStateUnknown(
      `${name} sends traffic to neither side (${described}); set one side's weight by hand, then retry`,
    );
  }
  if (withWeight.length === 2) {
    if (!opts.allowSplit) throw new RouterStateUnknown(splitMessage(name, described));
    if (weights.blue + weights.green !== 100) {
      throw new RouterStateUnknown(
        `${name} has weights this workflow did not write (${described}): a shift step's weights add up to 100; restore one side to 100 by hand, then retry`,
      );
    }
    const split = { blue: weights.blue, green: weights.green };
    return { live: split.green > split.blue ? 'green' : 'blue', split, weights, records };
  }
  return { live: withWeight[0]!, weights, records };
}

/**
 * Weights that give `target` `percent` of the traffic and the other side the rest (at 100 the other
 * side keeps its record at weight 0).
 */
export function weightsFor(target: Color, percent = 100): Record<Color, number> {
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
    throw new Error(`a weight step must be a whole percentage from 1 to 100, got ${percent}`);
  }
  return { [target]: percent, [otherColor(target)]: 100 - percent } as Record<Color, number>;
}

/** A record set as Route 53 accepts it back: alias records carry no TTL (moto answers them with TTL 0). */
function writable(set: ResourceRecordSet): ResourceRecordSet {
  if (!set.AliasTarget) return set;
  const { TTL: _none, ...rest } = set;
  return rest;
}

/**
 * The one change batch of a write: DELETE both records exactly as read, CREATE them with the new
 * weights. Route 53 applies a batch as a whole or not at all, and a DELETE must match the record as
 * it is, so a record someone changed since the read makes the batch fail: a compare-and-swap.
 */
export function switchBatch(read: Pick<RecordsRead, 'records'>, weights: Record<Color, number>): Change[] {
  return [
    ...COLORS.map((c): Change => ({ Action: 'DELETE', ResourceRecordSet: writable(read.records[c]) })),
    ...COLORS.map(
      (c): Change => ({
        Action: 'CREATE',
        ResourceRecordSet: { ...writable(read.records[c]), Weight: weights[c] },
      }),
    ),
  ];
}

/** How long resolvers may still answer with a record: its TTL, or 60 s for an alias record. */
export function recordTtlSeconds(set: ResourceRecordSet): number {
  if (set.AliasTarget) return ALIAS_TTL_SECONDS;
  return set.TTL ?? ALIAS_TTL_SECONDS;
}
