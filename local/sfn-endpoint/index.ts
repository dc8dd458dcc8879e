export { type WireHistoryEvent, wireHistory } from './history';
export { StepFunctionsEndpoint } from './server';
