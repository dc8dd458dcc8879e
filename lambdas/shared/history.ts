import { type Color, NothingToRollBack, otherColor, type ReleaseRecord } from './contract';

export interface RollbackPlan {
  /** The side traffic goes back to. */
  readonly target: Color;
  /** The release that made the live side live, which the rollback undoes. */
  readonly undoes: ReleaseRecord;
  /** The version the target side ran when it was last known good. */
  readonly targetVersion?: string;
  readonly warnings: readonly string[];
}

function describe(record: ReleaseRecord): string {
  return `${record.kind} ${record.version ? `"${record.version}" ` : ''}(${record.from} -> ${record.to}, ${record.outcome}, ${record.startedAt})`;
}

/**
 * Finds the known-good previous side, or explains why there is none. `records` are newest first.
 * The previous side is known good only if the release that made the live side live succeeded,
 * nothing aimed at the previous side has failed or been rolled back since (its code may be half
 * replaced), and that release did not contract the shared schema (the old code cannot read it).
 */
export function planRollback(records: readonly ReleaseRecord[], live: Color, force: boolean): RollbackPlan {
  const target = otherColor(live);
  const index = records.findIndex((r) => r.kind === 'cutover' && r.outcome === 'succeeded' && r.to === live);
  const undoes = records[index];
  if (index < 0 || !undoes) {
    throw new NothingToRollBack(
      `no successful release to ${live} is in the history, so nothing says ${target} holds a known-good version; release a fixed version with {"action":"cutover"} instead`,
    );
  }
  const warnings: string[] = [];
  const spoiled = records
    .slice(0, index)
    // Only a release puts new code on a side; a rollback that failed left the code there as it was.
    // A release still in progress here is one that died (this execution holds the lease), so its
    // code on the side may be half deployed.
    .find((r) => r.kind === 'cutover' && r.to === target && r.outcome !== 'succeeded');
  if (spoiled) {
    if (!force) {
      throw new NothingToRollBack(
        `${target} is no longer known good: ${describe(spoiled)} was aimed at it since ${live} went live; release a fixed version instead, or pass "force": true if you know ${target} is sound`,
      );
    }
    warnings.push(`forced past ${describe(spoiled)}`);
  }
  if (undoes.schemaChange === 'contract') {
    if (!force) {
      throw new NothingToRollBack(
        `release "${undoes.version ?? '?'}" to ${live} contracted the shared database schema, so the code on ${target} may not be able to read it; roll forward, or pass "force": true once the schema is compatible again`,
      );
    }
    warnings.push(`forced past the contract schema change of release "${undoes.version ?? '?'}"`);
  }
  const before = records.slice(index + 1).find((r) => r.to === target && r.outcome === 'succeeded');
  return { target, undoes, targetVersion: before?.version, warnings };
}

/**
 * Whether `records` (newest first) reach back far enough to decide a rollback from `live` and the
 * drain guard: the last successful release to `live`, and the success on the other side before it.
 */
export function reachesLastGoodRelease(records: readonly ReleaseRecord[], live: Color): boolean {
  const index = records.findIndex((r) => r.kind === 'cutover' && r.outcome === 'succeeded' && r.to === live);
  return (
    index >= 0 && records.slice(index + 1).some((r) => r.to === otherColor(live) && r.outcome === 'succeeded')
  );
}

/** When traffic last left `color`, from the history (undefined if it never did). */
export function lastLeft(records: readonly ReleaseRecord[], color: Color): Date | undefined {
  let latest: number | undefined;
  for (const r of records) {
    const times: Array<string | undefined> = [];
    // Whatever happened after it (also a failed rollback), traffic left `from` at the switch.
    if (r.from === color && r.switchedAt) times.push(r.switchedAt);
    if (r.to === color && r.rolledBackAt) times.push(r.rolledBackAt);
    for (const t of times) {
      const ms = t ? Date.parse(t) : Number.NaN;
      if (Number.isFinite(ms) && (latest === undefined || ms > latest)) latest = ms;
    }
  }
  return latest === undefined ? undefined : new Date(latest);
}

/**
 * A cutover may not deploy to a side whose last requests may still be running: it stopped getting
 * traffic at `left` and its requests may take `drainSeconds`. Answers why, or undefined.
 */
export function drainRefusal(
  side: Color,
  source: string,
  left: Date,
  drainSeconds: number,
  now: number = Date.now(),
): string | undefined {
  const ago = (now - left.getTime()) / 1000;
  if (ago >= drainSeconds) return undefined;
  return `${side} stopped receiving traffic ${Math.floor(ago)} s ago and its requests may take up to ${drainSeconds} s (${source}); retry after ${new Date(left.getTime() + drainSeconds * 1000).toISOString()}`;
}
