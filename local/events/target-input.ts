import type { SynthesizedRule, SynthesizedRuleTarget } from '../assembly/types';

function eventPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  let current: unknown = event;
  for (const key of path.replace(/^\$\.?/, '').split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function targetInput(
  target: SynthesizedRuleTarget,
  rule: SynthesizedRule,
  /** The event as EventBridge delivers it (a status change, or an event put on the bus). */
  event: { readonly time: string },
): unknown {
  if (target.input !== undefined) return JSON.parse(target.input);
  if (target.inputPath !== undefined) return eventPath(event, target.inputPath);
  if (target.inputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.rule-arn': rule.arn,
      'aws.events.rule-name': rule.name,
      'aws.events.event.ingestion-time': event.time,
      'aws.events.event': event,
      'aws.events.event.json': event,
    };
    for (const [key, path] of Object.entries(target.inputTransformer.inputPathsMap)) {
      values[key] = eventPath(event, path);
    }
    const text = target.inputTransformer.inputTemplate.replace(
      /<([A-Za-z0-9_.-]+)>/g,
      (match, key: string) => {
        if (!(key in values)) return match;
        const v = values[key];
        if (typeof v === 'string') return JSON.stringify(v).slice(1, -1);
        return v === undefined ? 'null' : JSON.stringify(v);
      },
    );
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return event;
}
