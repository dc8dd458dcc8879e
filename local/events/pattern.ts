import { isObject, type Json, type JsonObject } from '../common/json';

/** EventBridge's event pattern matching, for the matchers a CDK rule can express. */

type EventValue = Json | undefined;

export function matchesEventPattern(pattern: JsonObject, event: unknown): boolean {
  const ev = (typeof event === 'object' && event !== null ? event : {}) as Record<string, EventValue>;
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((p) => isObject(p) && matchesEventPattern(p, ev))) return false;
      continue;
    }
    const value = ev[key];
    if (isObject(rule)) {
      if (!isObject(value) || !matchesEventPattern(rule, value)) return false;
      continue;
    }
    if (!Array.isArray(rule)) throw new Error(`event pattern: ${key} must be an array or an object`);
    if (!rule.some((r) => matchesValue(r, value))) return false;
  }
  return true;
}

function matchesValue(rule: Json, value: EventValue): boolean {
  const values: EventValue[] = Array.isArray(value) ? value : [value];
  if (!isObject(rule)) return value !== undefined && values.some((v) => v === rule);
  const [op] = Object.keys(rule);
  const arg = rule[op];
  switch (op) {
    case 'exists':
      return arg === (value !== undefined);
    case 'prefix':
      return values.some((v) => typeof v === 'string' && typeof arg === 'string' && v.startsWith(arg));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && typeof arg === 'string' && v.endsWith(arg));
    case 'equals-ignore-case':
      return values.some(
        (v) => typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase(),
      );
    case 'wildcard': {
      if (typeof arg !== 'string') return false;
      const re = new RegExp(`^${arg.split('*').map(escapeRegExp).join('.*')}$`);
      return values.some((v) => typeof v === 'string' && re.test(v));
    }
    case 'anything-but': {
      if (value === undefined) return false;
      const excluded = Array.isArray(arg) ? arg : [arg];
      return values.every((v) => !excluded.some((x) => (isObject(x) ? matchesValue(x, v) : x === v)));
    }
    case 'numeric': {
      if (!Array.isArray(arg)) return false;
      return values.some((v) => {
        if (typeof v !== 'number') return false;
        for (let i = 0; i + 1 < arg.length; i += 2) {
          if (!compareNumber(v, String(arg[i]), Number(arg[i + 1]))) return false;
        }
        return true;
      });
    }
    default:
      throw new Error(`event pattern: the ${op} matcher is not supported offline`);
  }
}

function compareNumber(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      throw new Error(`event pattern: numeric operator ${op} is not supported`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
