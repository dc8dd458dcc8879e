import type { Color } from '../../contract';
import type { SideHealth } from '../port';

/** A version's configuration as GetFunctionConfiguration answers it, reduced to its health. */
export interface VersionState {
  readonly version: string;
  readonly state?: string;
  readonly stateReason?: string;
  readonly lastUpdateStatus?: string;
  readonly lastUpdateStatusReason?: string;
}

/** The smoke test's answer: Invoke of the helper alias with `traffic.healthCheck.payload`. */
export interface SmokeTest {
  /** `Handled` or `Unhandled` when the function failed. */
  readonly functionError?: string;
  /** The start of the payload, for the message. */
  readonly detail?: string;
}

/**
 * A Lambda side's health: its version Active with LastUpdateStatus Successful, and the smoke test
 * (when configured) answered without a function error. A serving side in trouble is a version that
 * failed or stopped being Active, or a smoke test that fails.
 */
export function summarizeVersion(
  color: Color,
  helper: string,
  version: VersionState,
  smoke?: SmokeTest,
): SideHealth {
  const problems: string[] = [];
  if (version.state !== 'Active') {
    problems.push(
      `State ${version.state ?? 'missing'}${version.stateReason ? ` (${version.stateReason})` : ''}`,
    );
  }
  if (version.lastUpdateStatus !== 'Successful') {
    problems.push(
      `LastUpdateStatus ${version.lastUpdateStatus ?? 'missing'}${version.lastUpdateStatusReason ? ` (${version.lastUpdateStatusReason})` : ''}`,
    );
  }
  if (smoke?.functionError) {
    problems.push(
      `the smoke test answered a function error (${smoke.functionError})${smoke.detail ? `: ${smoke.detail}` : ''}`,
    );
  }
  const healthy = problems.length === 0;
  const at = `${color}: helper alias ${helper} at version ${version.version}`;
  const summary = healthy
    ? `${at} is Active${smoke ? ' and passed its smoke test' : ''}`
    : `${at}: ${problems.join('; ')}`;
  const failed =
    smoke?.functionError !== undefined ||
    version.state === 'Failed' ||
    version.state === 'Inactive' ||
    version.lastUpdateStatus === 'Failed';
  return {
    healthy,
    total: 1,
    healthyCount: healthy ? 1 : 0,
    summary,
    ...(failed ? { servingProblem: `${color} went unhealthy: ${summary}` } : {}),
  };
}

/** A side without its helper alias: nothing to check, so not healthy. */
export function missingHelper(color: Color, helper: string, functionName: string): SideHealth {
  return {
    healthy: false,
    total: 1,
    healthyCount: 0,
    summary: `${color}: helper alias ${helper} of ${functionName} does not exist (a lambda-version deploy creates it; otherwise create it at the new version before the release)`,
  };
}

/** The error message of a function error's payload (`{"errorMessage": ...}`), or its start. */
export function functionErrorDetail(payload: string): string {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (parsed && typeof parsed === 'object' && 'errorMessage' in parsed) {
      return String((parsed as { errorMessage: unknown }).errorMessage).slice(0, 300);
    }
  } catch {
    // the raw text below
  }
  return payload.slice(0, 300);
}
