/**
 * Everything the offline runner takes from the product itself, in one place: the config schema,
 * the stack, the deploy hook's event, a target's health and the reading of forward weights. The
 * rest of local/ knows the product only through these.
 */
export type { DeployHookEvent, TrafficHookEvent, TrafficHookPhase } from '../../lambdas/shared/contract';
export { type ForwardShape, forwardTargets } from '../../lambdas/shared/routers/alb-listener/forward';
export type { TargetState } from '../../lambdas/shared/routers/alb-listener/targets';
export { normalizedRecordName } from '../../lambdas/shared/routers/route53-weighted/names';
export { parseServiceConfig, type ServiceConfig } from '../../lib/service-config';
export { BlueGreenServiceStack } from '../../lib/service-stack';
