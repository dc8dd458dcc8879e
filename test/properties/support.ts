import type * as fc from 'fast-check';

/**
 * One seed per test run: FC_SEED when set (to replay a run), otherwise a fresh one. fast-check prints
 * the seed and the path of a failing case; the counts line prints it for passing runs too.
 */
export const SEED: number = (() => {
  const given = process.env.FC_SEED;
  if (given === undefined || given === '') return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const seed = Number(given);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(given)}`);
  return seed;
})();

/** fast-check parameters for `numRuns` cases from this run's seed. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, seed: SEED };
}

/** A generated case that breaks the contract once, and the field the refusal must name. */
export interface BadCase<T = unknown> {
  /** Which mutation made it, for the counts. */
  readonly mutation: string;
  readonly value: T;
  /** The field, as the error names it: `version`, `traffic.shift.steps[0]`, `alarms[1]`. */
  readonly field: string;
}

/** Counts cases by kind, to print after the run and to check that every mutation was drawn. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  kinds(): string[] {
    return [...this.counts.keys()].sort();
  }

  summary(): string {
    return [...this.counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
  }
}

/** Builds an object with its keys in the order given by `order` (fast-check's records keep one order). */
export function withKeyOrder(entries: ReadonlyArray<[string, unknown]>, order: readonly number[]): object {
  const keyed = entries.map((entry, i) => ({ entry, rank: order[i % order.length] ?? i }));
  keyed.sort((a, b) => a.rank - b.rank);
  const out: Record<string, unknown> = {};
  for (const { entry } of keyed) defineKey(out, entry[0], entry[1]);
  return out;
}

/** Sets an own key, also `__proto__`, as JSON.parse would: the input arrives parsed from JSON. */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of a JSON value (the mutations never touch the good case they start from). */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
