/**
 * Errors the state machine branches on. Each class's `name` is an error name of the public contract
 * (DESIGN.md, "Outcomes"); the state machine's Catch clauses match on it, never on message text.
 *
 * Lambda reports a thrown error to Step Functions as `{errorType, errorMessage}` and drops any other
 * property, so the structured details (`field`, `alarm`) travel inside `errorMessage` as JSON. The
 * abort and rollback steps turn them back into the cause object of the contract.
 */

export const ERROR_NAMES = [
  'InvalidInput',
  'CutoverInProgress',
  'RouterStateUnknown',
  'DeployFailed',
  'IdleNotHealthy',
  'AlarmNotFound',
  'AlarmFiring',
  'CutoverFailed',
  'RolledBack',
  'RollbackFailed',
  'HookFailed',
  'NothingToRollBack',
] as const;

export type ErrorName = (typeof ERROR_NAMES)[number];

export interface ErrorDetails {
  /** The input or config field at fault. */
  readonly field?: string;
  /** The alarm at fault, for the alarm errors. */
  readonly alarm?: string;
}

export interface ErrorPayload extends ErrorDetails {
  readonly message: string;
}

export class BlueGreenError extends Error {
  readonly errorName: ErrorName;
  readonly details: ErrorPayload;

  constructor(errorName: ErrorName, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    const payload: ErrorPayload = { message, ...details };
    super(JSON.stringify(payload), options);
    this.name = errorName;
    this.errorName = errorName;
    this.details = payload;
  }
}

/** The class of a contract error that carries only a message (and, optionally, its cause). */
function plainError(errorName: ErrorName) {
  return class extends BlueGreenError {
    constructor(message: string, options?: ErrorOptions) {
      super(errorName, message, {}, options);
    }
  };
}

export class InvalidInput extends BlueGreenError {
  constructor(message: string, field: string) {
    super('InvalidInput', message, { field });
  }
}

export class CutoverInProgress extends plainError('CutoverInProgress') {}

export class RouterStateUnknown extends plainError('RouterStateUnknown') {}

export class DeployFailed extends plainError('DeployFailed') {}

export class IdleNotHealthy extends plainError('IdleNotHealthy') {}

export class AlarmNotFound extends BlueGreenError {
  constructor(message: string, alarm: string) {
    super('AlarmNotFound', message, { alarm, field: 'alarms' });
  }
}

export class AlarmFiring extends BlueGreenError {
  constructor(message: string, alarm: string) {
    super('AlarmFiring', message, { alarm });
  }
}

export class CutoverFailed extends BlueGreenError {
  constructor(message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super('CutoverFailed', message, details, options);
  }
}

/** A lifecycle hook answered FAILED, threw, or did not succeed in time; `field` names the hook (`hooks.beforeTraffic`). */
export class HookFailed extends BlueGreenError {
  constructor(message: string, field: string, options?: ErrorOptions) {
    super('HookFailed', message, { field }, options);
  }
}

export class NothingToRollBack extends plainError('NothingToRollBack') {}

export class RollbackFailed extends plainError('RollbackFailed') {}

/**
 * Reads what a failed task left in `$.failure` (`{Error, Cause}` as Step Functions records it) back
 * into a message and details. Errors of our own carry JSON; anything else (a Lambda timeout, an SDK
 * error, a States.* error) is described by its name and text.
 */
export function parseTaskFailure(failure: { Error?: string; Cause?: string } | undefined): {
  error: string;
  payload: ErrorPayload;
} {
  const error = failure?.Error ?? 'States.Unknown';
  const rawCause = failure?.Cause ?? '';
  let errorMessage = rawCause;
  try {
    const cause: unknown = JSON.parse(rawCause);
    if (isRecord(cause) && typeof cause.errorMessage === 'string') {
      errorMessage = cause.errorMessage;
    }
  } catch {
    // A cause that is not JSON (States.Timeout, States.Runtime) is already plain text.
  }
  try {
    const ours: unknown = JSON.parse(errorMessage);
    if (isRecord(ours) && typeof ours.message === 'string') {
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      return { error, payload: { message: ours.message, field: text(ours.field), alarm: text(ours.alarm) } };
    }
  } catch {
    // Not one of ours: fall through to the plain description.
  }
  const text = errorMessage.trim();
  return { error, payload: { message: text ? `${error}: ${text}` : error } };
}

export function isContractError(name: string): name is ErrorName {
  return (ERROR_NAMES as readonly string[]).includes(name);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
