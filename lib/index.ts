export type { DeployHookEvent } from '../lambdas/shared/contract';
export {
  type AlbListenerTraffic,
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  MAX_DRAIN_SECONDS,
  METRIC_NAMESPACE,
} from './blue-green-cutover';
export {
  ConfigError,
  loadServiceConfig,
  parseServiceConfig,
  type ServiceConfig,
  serviceConfigSchema,
} from './service-config';
export { BlueGreenServiceStack, type BlueGreenServiceStackProps } from './service-stack';
