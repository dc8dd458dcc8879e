/**
 * The step handlers, by folder under lambdas/, with the seconds each invocation may run. Polling
 * steps run about a minute per invocation, so their history stays small.
 */
export const STEP_TIMEOUT_SECONDS = {
  validate: 10,
  'acquire-lease': 20,
  'resolve-roles': 30,
  attach: 20,
  deploy: 75,
  'wait-healthy': 75,
  gate: 30,
  'before-traffic': 75,
  'switch-traffic': 30,
  watch: 75,
  finalize: 20,
  abort: 20,
  rollback: 30,
  'await-rollback': 75,
  // Waits out a stopped SwitchTraffic that may still be writing (see lambdas/on-execution-ended).
  'on-execution-ended': 75,
} as const;
