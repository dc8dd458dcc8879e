import type { Color } from './config';
import type { ErrorPayload } from './errors';

/** The cause object of the public contract: what pipelines and people read without the history. */
export interface FailureCause extends ErrorPayload {
  readonly live: Color | 'unknown';
  readonly previous?: Color;
  readonly version?: string;
}

/** What the Fail state reads through ErrorPath/CausePath. */
export interface Outcome {
  readonly error: string;
  readonly cause: string;
}

export function failureOutcome(error: string, cause: FailureCause): Outcome {
  return { error, cause: JSON.stringify(cause) };
}
