/**
 * Everything the offline runner takes from the product itself, in one place: the config schema, the
 * stack, and the deploy hook's event. The rest of local/ knows the product only through these.
 */
export type { DeployHookEvent } from '../../lambdas/deploy';
export { parseServiceConfig, type ServiceConfig } from '../../lib/service-config';
export { BlueGreenServiceStack } from '../../lib/service-stack';
