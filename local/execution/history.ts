import type { StateMachine } from 'aws-local-stepfunctions';
import type { HistoryEvent } from './types';

export type LibraryRun = ReturnType<StateMachine['run']>;
export type LibraryEvent = LibraryRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type JsonValueLib = Parameters<StateMachine['run']>[0];

/** An event of aws-local-stepfunctions' log as a history event (the end of the execution aside). */
export function historyEventOf(ev: LibraryEvent): HistoryEvent {
  const timestamp = ev.timestamp;
  switch (ev.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', timestamp, input: ev.input };
    case 'StateEntered':
      return {
        type: 'StateEntered',
        timestamp,
        state: ev.state.name,
        stateType: ev.state.type,
        input: ev.state.input,
      };
    case 'StateExited':
      return {
        type: 'StateExited',
        timestamp,
        state: ev.state.name,
        stateType: ev.state.type,
        output: ev.state.output,
      };
    case 'StateRetried':
      return {
        type: 'StateRetried',
        timestamp,
        state: ev.state.name,
        stateType: ev.state.type,
        attempt: ev.retry.attempt,
      };
    case 'StateCaught':
      return {
        type: 'StateCaught',
        timestamp,
        state: ev.state.name,
        stateType: ev.state.type,
        next: ev.catch.catcher.Next,
      };
    case 'StateFailed':
      return {
        type: 'StateFailed',
        timestamp,
        state: ev.state.name,
        stateType: ev.state.type,
        error: ev.Error,
        cause: typeof ev.Cause === 'string' ? ev.Cause : JSON.stringify(ev.Cause),
      };
    default:
      return { type: 'LibraryEvent', timestamp, name: ev.type, detail: ev };
  }
}
