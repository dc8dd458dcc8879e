import { randomUUID } from 'node:crypto';
import type { SynthesizedRule, SynthesizedRuleTarget } from '../assembly/types';
import { matchesEventPattern } from './pattern';
import { targetInput } from './target-input';

/** One entry of a PutEvents request, as the SDK sends it. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  /** A JSON object, as text. */
  readonly Detail?: string;
  /** Name or ARN; default `default`. */
  readonly EventBusName?: string;
  readonly Resources?: string[];
}

/** The event EventBridge makes of a PutEvents entry, as rules match it and targets receive it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/**
 * The event of one entry, or why EventBridge would refuse the entry (it answers such an entry with
 * an ErrorCode and delivers nothing for it).
 */
export function busEvent(
  entry: PutEventsEntry,
  where: { readonly account: string; readonly region: string },
): { event: BusEvent; bus: string } | { error: string } {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined)
    return { error: 'InvalidArgument: Source, DetailType and Detail are required' };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { error: 'MalformedDetail: Detail is not valid JSON' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    return { error: 'MalformedDetail: Detail must be a JSON object' };
  const bus = (entry.EventBusName ?? 'default').replace(/^arn:[^:]+:events:[^:]*:\d*:event-bus\//, '');
  return {
    bus,
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: where.account,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: where.region,
      resources: entry.Resources ?? [],
      detail,
    },
  };
}

/** A target of a rule that matched an event, with the input EventBridge would hand it. */
export interface MatchedTarget {
  readonly rule: SynthesizedRule;
  readonly target: SynthesizedRuleTarget;
  readonly input: unknown;
}

/**
 * The targets (with their input) of every enabled rule on `bus` whose pattern matches the event.
 * The stack's rules are all on the default bus.
 */
export function matchedTargets(
  rules: readonly SynthesizedRule[],
  bus: string,
  event: BusEvent,
): MatchedTarget[] {
  if (bus !== 'default') return [];
  return rules
    .filter((rule) => rule.enabled && matchesEventPattern(rule.eventPattern, event))
    .flatMap((rule) =>
      rule.targets.map((target) => ({ rule, target, input: targetInput(target, rule, event) })),
    );
}
