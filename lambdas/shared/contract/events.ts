/** The source of every event the workflow puts on the bus (DESIGN.md, "Triggers and events"). */
export const EVENT_SOURCE = 'bluegreen.cutover';

export const RELEASE_EVENT_TYPES = [
  'Release Started',
  'Traffic Switched',
  'Release Succeeded',
  'Release Failed',
  'Release Rolled Back',
  'Rollback Failed',
] as const;
export type ReleaseEventType = (typeof RELEASE_EVENT_TYPES)[number];

/**
 * The `detail` every release event carries (DESIGN.md, "Triggers and events"). Each type may add its
 * own fields (`Traffic Switched`: `weights`, `percent`; end events: what the execution answered),
 * never remove these.
 */
export interface ReleaseEventDetail {
  readonly service: string;
  readonly executionArn: string;
  readonly action: 'cutover' | 'rollback';
  /** The version being released (a rollback: the version it goes back to, when the history knows it). */
  readonly version?: string;
  /** The side that serves (most) traffic when the event is put; `unknown` if it could not be read. */
  readonly live: string;
  /** The side traffic came from. */
  readonly previous?: string;
  /** Failures only: the contract error name the execution ends with. */
  readonly error?: string;
  /** Failures only: what happened, in words (also as `message`, the field these events had first). */
  readonly cause?: string;
  /** Milliseconds since the execution started (since the lease was taken, for the cleanup of a stop). */
  readonly elapsedMs: number;
  readonly [extra: string]: unknown;
}

/** Milliseconds since `startedAt` (an ISO time); 0 when it cannot be parsed. */
export function elapsedMs(startedAt: string | undefined, now: number = Date.now()): number {
  const start = startedAt ? Date.parse(startedAt) : Number.NaN;
  return Number.isFinite(start) ? Math.max(0, now - start) : 0;
}

/** CloudWatch namespace of the metrics the workflow publishes. */
export const METRIC_NAMESPACE = 'BlueGreenCutover';

/** Counts a rollback that could not restore traffic; the construct's RollbackFailed alarm watches it. */
export const ROLLBACK_FAILED_METRIC = 'RollbackFailed';
