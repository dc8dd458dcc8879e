/**
 * The offline runner as a library: the synthesized state machine of a cloud assembly, run against a
 * moto server behind the honest proxy, with no AWS account.
 */

export { loadWorkflow } from './assembly/load-workflow';
export { UnsupportedTemplateError } from './assembly/resolver';
export type { PolicyStatement, SynthesizedFunction, SynthesizedWorkflow } from './assembly/types';
export { ACCOUNT, FAKE_CREDENTIALS, REGION } from './common/account';
export { forwardWeights } from './common/forward-weights';
export type { Json, JsonObject } from './common/json';
export type { PutEventsEntry } from './events/put-events';
export type { StatusChangeEvent } from './events/status-event';
export { adaptDefinitionForLibrary } from './execution/asl';
export { LocalWorkflow, type PutEventsOutcome } from './execution/local-workflow';
export {
  type ExecutionOutcome,
  type ExecutionStatus,
  type HistoryEvent,
  type LocalExecution,
  type LocalWorkflowOptions,
  type StatusEventDelivery,
  StepFunctionsApiError,
} from './execution/types';
export { callerId } from './lambda/environment';
export type { EmfMetric } from './offline/emf';
export {
  deployHookArn,
  OfflineEnvironment,
  type OfflineOptions,
  trafficHookArn,
} from './offline/environment';
export { synthesize } from './offline/synth';
export type { Side, SideWrite, TrafficFixture, TrafficType } from './offline/traffic';
export type { RouterWrite, TargetHealthState } from './proxy/honest-aws';
export { StepFunctionsEndpoint } from './sfn-endpoint';
