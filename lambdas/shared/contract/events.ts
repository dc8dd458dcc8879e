/** The source of every event the workflow puts on the bus (DESIGN.md, "Triggers and events"). */
export const EVENT_SOURCE = 'bluegreen.cutover';

export const RELEASE_EVENT_TYPES = [
  'Release Succeeded',
  'Release Failed',
  'Release Rolled Back',
  'Rollback Failed',
] as const;
export type ReleaseEventType = (typeof RELEASE_EVENT_TYPES)[number];

/** CloudWatch namespace of the metrics the workflow publishes. */
export const METRIC_NAMESPACE = 'BlueGreenCutover';

/** Counts a rollback that could not restore traffic; the construct's RollbackFailed alarm watches it. */
export const ROLLBACK_FAILED_METRIC = 'RollbackFailed';
