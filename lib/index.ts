export type { DeployHookEvent } from '../lambdas/shared/contract';
export {
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  MAX_DRAIN_SECONDS,
} from './blue-green-cutover';
export { METRIC_NAMESPACE } from './handler-contract';
export {
  addReleasePipeline,
  RELEASE_SOURCE,
  ReleasePipelineStack,
  type ReleasePipelineStackProps,
} from './pipeline-stack';
export {
  ConfigError,
  loadServiceConfig,
  parseServiceConfig,
  type ServiceConfig,
  serviceConfigSchema,
} from './service-config';
export { BlueGreenServiceStack, type BlueGreenServiceStackProps } from './service-stack';
export type {
  AlbListenerTraffic,
  AlbRoute,
  LambdaAliasTraffic,
  Route53WeightedTraffic,
  TrafficProps,
  TrafficShift,
} from './traffic-props';
export {
  BlueGreenCutoverPropsError,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  type PropViolation,
} from './validate-props';
