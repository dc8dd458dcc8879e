/**
 * What lib/ uses of the handlers' contract: the configuration they read, its schemas and limits,
 * and the error names the state machine retries. lib/ imports the handlers' code from here only,
 * so the construct and the handlers share one definition and a move touches one file.
 */
export {
  alarmsSchema,
  albTrafficSchema,
  CONFIG_ENV,
  type DeployConfig,
  deploySchema,
  LIMITS,
  LISTENER_ARN,
  type RuntimeConfig,
  SERVICE_NAME,
  TARGET_GROUP_ARN,
  timingSchema,
} from '../lambdas/shared/config';
export { TRANSIENT_ERROR_NAMES } from '../lambdas/shared/errors';
export { type FieldProblem, firstProblem } from '../lambdas/shared/validation';
