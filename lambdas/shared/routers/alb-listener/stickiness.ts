import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CutoverFailed } from '../../contract';
import { type ConfiguredRoute, labelOf, type RouteState } from './routes';

/**
 * Target-group stickiness of the switched forward actions. A client holding the group cookie keeps
 * going to the group it last used, whatever the weights say, until the cookie expires: after a
 * switch the old side still serves those clients for up to the stickiness duration. So the drain
 * (and the refusal to deploy to a side that served traffic too recently) lasts at least that long,
 * and a restore turns stickiness off so that sticky clients leave the bad side at once. No AWS calls.
 */

/**
 * The longest drain the workflow waits, as the construct sizes the state machine's timeout
 * (`MAX_DRAIN_SECONDS` in lib/blue-green-cutover.ts; a test keeps the two equal).
 */
export const MAX_DRAIN_SECONDS = 3600;

/** AWS's longest stickiness duration (7 days), assumed when an enabled config names none. */
const LONGEST_STICKINESS_SECONDS = 604_800;

/** A switched route whose forward action has target-group stickiness on. */
export interface StickyRoute {
  readonly route: ConfiguredRoute;
  readonly seconds: number;
}

function stickySeconds(actions: readonly Action[]): number | undefined {
  let longest: number | undefined;
  for (const action of actions) {
    const config = action.Type === 'forward' ? action.ForwardConfig?.TargetGroupStickinessConfig : undefined;
    if (!config?.Enabled) continue;
    const seconds = config.DurationSeconds ?? LONGEST_STICKINESS_SECONDS;
    longest = Math.max(longest ?? 0, seconds);
  }
  return longest;
}

/** The switched routes with stickiness on, longest first. */
export function stickyRoutes(routes: readonly RouteState[]): StickyRoute[] {
  return routes
    .flatMap(({ route, actions }) => {
      const seconds = stickySeconds(actions);
      return seconds === undefined ? [] : [{ route, seconds }];
    })
    .sort((a, b) => b.seconds - a.seconds);
}

/** The longest stickiness of the switched routes (0 when none has it on). */
export function longestStickiness(routes: readonly RouteState[]): StickyRoute | undefined {
  return stickyRoutes(routes)[0];
}

/** Names a sticky route in messages: "the 600 s target-group stickiness of rule ... (traffic.routes[1].ruleArn)". */
export function describeSticky(sticky: StickyRoute): string {
  return `the ${sticky.seconds} s target-group stickiness of ${labelOf(sticky.route).name}`;
}

/**
 * A cutover whose sticky clients would outlast the longest drain: once the drain ended they would
 * still reach the old side, which the next release overwrites. Refused before anything moves.
 */
export function stickinessTooLong(routes: readonly RouteState[]): CutoverFailed | undefined {
  const sticky = longestStickiness(routes);
  if (!sticky || sticky.seconds <= MAX_DRAIN_SECONDS) return undefined;
  const { route } = sticky;
  return new CutoverFailed(
    `${labelOf(route).name} has target-group stickiness of ${sticky.seconds} s (TargetGroupStickinessConfig.DurationSeconds), longer than the longest drain the workflow waits (${MAX_DRAIN_SECONDS} s): clients holding the stickiness cookie would stay on the old side after the drain, and the next release would overwrite it under them. Lower DurationSeconds to at most ${MAX_DRAIN_SECONDS} or turn stickiness off on that route, then retry`,
    { field: route.field },
  );
}

/**
 * The action list of a restore: as `actions` (already carrying the new weights), with every enabled
 * target-group stickiness turned off (its duration kept, so turning it back on is one flag).
 */
export function withoutStickiness(actions: readonly Action[]): Action[] {
  return actions.map((action) => {
    const config = action.Type === 'forward' ? action.ForwardConfig?.TargetGroupStickinessConfig : undefined;
    if (!config?.Enabled) return action;
    return {
      ...action,
      ForwardConfig: {
        ...action.ForwardConfig,
        TargetGroupStickinessConfig: { ...config, Enabled: false },
      },
    };
  });
}

/** What a restore that turned stickiness off tells the operator. */
export function stickinessOffNote(turnedOff: readonly StickyRoute[], target: string): string {
  const named = turnedOff.map((s) => `${labelOf(s.route).name} (${s.seconds} s)`).join(', ');
  const one = turnedOff.length === 1;
  return `target-group stickiness was turned off on ${named} so that sticky clients came back to ${target} at once; turn it back on (Enabled: true) on ${one ? 'that route' : 'those routes'} when you want it again`;
}
