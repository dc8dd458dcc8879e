import type * as z from 'zod';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `traffic.listenerArn` or `alarms[1]`. */
  readonly field: string;
  readonly message: string;
}

/** A zod issue path as a user writes it: `traffic.listenerArn`, `alarms[1]`. */
export function joinPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A value as an error message quotes it, shortened. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON reads 1e400 as Infinity, which JSON.stringify would print as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return `a number out of range (${value})`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The value at a zod issue path, or undefined where the path leaves the input. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * A union whose input fits none of its shapes reports itself as a whole. When the input has the keys
 * of exactly one shape (`{"listenerArn": 42}` is a listener route), the problem is inside that shape:
 * answer its first issue instead, so that the message names the key. Otherwise the union's own.
 */
export function innermostIssue(issue: z.core.$ZodIssue, input: unknown): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !Array.isArray(issue.errors)) return issue;
  const fits = (issue.errors as z.core.$ZodIssue[][]).filter(
    (branch) =>
      branch.length > 0 &&
      branch.every(
        (i) =>
          i.code !== 'unrecognized_keys' &&
          !(i.code === 'invalid_type' && valueAt(input, [...issue.path, ...i.path]) === undefined),
      ),
  );
  if (fits.length !== 1) return issue;
  const inner = fits[0]![0]!;
  return innermostIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, input);
}

/**
 * Turns the first zod issue into one sentence that names the field and the value, so that a user
 * reading a failed synth or a failed execution knows what to change without reading a stack trace.
 */
export function firstProblem(error: z.ZodError, input: unknown, rootName: string): FieldProblem {
  const first = error.issues[0];
  if (!first) return { field: rootName, message: `${rootName} is invalid` };
  const issue = innermostIssue(first, input);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = joinPath([...issue.path, key]);
    return { field, message: `unknown key "${field}"` };
  }
  const field = issue.path.length ? joinPath(issue.path) : rootName;
  const value = valueAt(input, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return { field, message: `"${field}" is required (${issue.message.replace(/^Invalid input: /, '')})` };
  }
  return {
    field,
    message: `"${field}" ${issue.message.replace(/^Invalid input: /, '')}, got ${describeValue(value)}`,
  };
}
