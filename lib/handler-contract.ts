/**
 * What lib/ uses of the handlers' contract: the configuration they read, its schemas and limits,
 * and the error names the state machine retries. lib/ imports the handlers' code from here only,
 * so the construct and the handlers share one definition and a move touches one file.
 */

export { TRANSIENT_ERROR_NAMES } from '../lambdas/shared/aws/transient';
export {
  type AlbTraffic,
  type ArnField,
  alarmsSchema,
  albTrafficSchema,
  CONFIG_ENV,
  type CrossFieldViolation,
  crossFieldViolation,
  type DeployConfig,
  defaultPollSeconds,
  deploySchema,
  describeValue,
  type FieldProblem,
  firstProblem,
  type HooksConfig,
  innermostIssue,
  joinPath,
  type LambdaAliasTraffic,
  LIMITS,
  LISTENER_ARN,
  METRIC_NAMESPACE,
  ROLLBACK_FAILED_METRIC,
  type Route53Traffic,
  type RuntimeConfig,
  SERVICE_NAME,
  type ServiceConfig,
  type ShiftConfig,
  STEP_TIMEOUT_SECONDS,
  serviceConfigSchema,
  TARGET_GROUP_ARN,
  type TrafficConfig,
  type TrafficInput,
  timingSchema,
  trafficSchemas,
  valueAt,
} from '../lambdas/shared/contract';
export { shiftSeconds } from '../lambdas/shared/shift';
