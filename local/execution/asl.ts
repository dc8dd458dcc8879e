import { isObject, type Json, type JsonObject } from '../common/json';

// What the runner must know of the ASL: where aws-local-stepfunctions departs from Step Functions.

export const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
export const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/;
export const MAX_PAYLOAD_BYTES = 262_144;
// setTimeout fires at once for delays above 2^31-1 ms, which would turn a long timeout into an instant one.
const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);
const EXECUTION_NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

export function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || EXECUTION_NAME_FORBIDDEN.test(name)) return false;
  return ![...name].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
}

/** Visits every state, including those inside Parallel branches and Map iterators. */
export function walkStates(definition: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  const states = isObject(definition.States) ? definition.States : {};
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    visit(name, state);
    if (Array.isArray(state.Branches)) for (const b of state.Branches) if (isObject(b)) walkStates(b, visit);
    for (const key of ['Iterator', 'ItemProcessor']) {
      const sub = state[key];
      if (isObject(sub)) walkStates(sub, visit);
    }
  }
}

function clampSeconds(value: Json | undefined): number | undefined {
  return typeof value === 'number' && value > MAX_TIMER_SECONDS ? MAX_TIMER_SECONDS : undefined;
}

/**
 * Rewrites the ASL where aws-local-stepfunctions departs from Step Functions, keeping the semantics:
 * returns the copy and a note per change.
 */
export function adaptDefinitionForLibrary(definition: JsonObject): {
  definition: JsonObject;
  adjustments: string[];
} {
  const copy = JSON.parse(JSON.stringify(definition)) as JsonObject;
  const adjustments: string[] = [];
  if (clampSeconds(copy.TimeoutSeconds) !== undefined) {
    // Longer than a timer can wait; no local run lasts 24 days anyway.
    delete copy.TimeoutSeconds;
    adjustments.push('state machine TimeoutSeconds above 24.8 days dropped');
  }
  walkStates(copy, (name, state) => {
    // The library stores the result under a key literally named "$" instead of replacing the input.
    if (state.ResultPath === '$') {
      delete state.ResultPath;
      adjustments.push(`${name}: ResultPath "$" replaced by the (identical) default`);
    }
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch) {
        if (isObject(catcher) && catcher.ResultPath === '$') {
          delete catcher.ResultPath;
          adjustments.push(`${name}: Catch ResultPath "$" replaced by the (identical) default`);
        }
      }
    }
    if (state.Type === 'Task') {
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        // Step Functions has no default task timeout (99999999 s); the library would use 60 s.
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
        adjustments.push(
          `${name}: no TimeoutSeconds, the library's 60 s default replaced by ${MAX_TIMER_SECONDS} s`,
        );
      } else if (clampSeconds(state.TimeoutSeconds) !== undefined) {
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
        adjustments.push(`${name}: TimeoutSeconds clamped to ${MAX_TIMER_SECONDS} s`);
      }
    }
    if (state.Type === 'Wait' && clampSeconds(state.Seconds) !== undefined) {
      state.Seconds = MAX_TIMER_SECONDS;
      adjustments.push(`${name}: Wait Seconds clamped to ${MAX_TIMER_SECONDS} s`);
    }
  });
  return { definition: copy, adjustments };
}
