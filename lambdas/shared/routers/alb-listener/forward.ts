import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AlbTraffic, COLORS, type Color, otherColor, RouterStateUnknown } from '../../contract';
import { splitMessage } from '../split';

/**
 * Pure logic over the ALB router (the listener's forward action): what is live, which weights
 * come next, and which other routes reach the two groups. No AWS calls here.
 */

/** Weights of a forward action by target group ARN (absent = not referenced). */
export type ForwardWeights = Record<string, number>;

export function targetGroupOf(traffic: AlbTraffic, color: Color): string {
  return color === 'blue' ? traffic.blueTargetGroupArn : traffic.greenTargetGroupArn;
}

export function colorOf(traffic: AlbTraffic, targetGroupArn: string): Color | undefined {
  return COLORS.find((color) => targetGroupOf(traffic, color) === targetGroupArn);
}

/** The parts of an ELBv2 action that say where traffic goes (the SDK's `Action` fits). */
export interface ForwardShape {
  readonly Type?: string;
  readonly TargetGroupArn?: string;
  readonly ForwardConfig?: {
    readonly TargetGroups?: ReadonlyArray<{ readonly TargetGroupArn?: string; readonly Weight?: number }>;
  };
}

/**
 * The share of traffic each target group of a forward action gets. A ForwardConfig entry without a
 * weight counts as 1 (AWS's default); a plain forward counts as 100, also in the shape AWS
 * describes it (the ARN plus a one-group ForwardConfig of weight 1 beside it).
 */
export function forwardTargets(action: ForwardShape): ForwardWeights {
  const groups = action.ForwardConfig?.TargetGroups ?? [];
  const plain =
    groups.length === 1 && action.TargetGroupArn && groups[0]?.TargetGroupArn === action.TargetGroupArn;
  const weights: ForwardWeights = {};
  if (!plain) {
    // An entry twice is invalid at AWS.
    for (const group of groups) if (group.TargetGroupArn) weights[group.TargetGroupArn] = group.Weight ?? 1;
  }
  if (Object.keys(weights).length === 0 && action.TargetGroupArn) weights[action.TargetGroupArn] = 100;
  return weights;
}

/** The target groups an action list sends traffic to (weight 0 included: those are health-checked). */
export function referencedTargetGroups(actions: readonly ForwardShape[] | undefined): string[] {
  return (actions ?? []).filter((a) => a.Type === 'forward').flatMap((a) => Object.keys(forwardTargets(a)));
}

/** How a route is named in messages, and what its action list is called ("default action", "action"). */
export interface RouteLabel {
  readonly name: string;
  readonly actions: 'default action' | 'action';
}

export interface RouterRead {
  /** The color receiving all traffic (during a split, the larger share; blue at a tie). */
  readonly live: Color;
  /** Both sides have weight (a shift step): each side's share in percent. */
  readonly split?: Record<Color, number>;
  /** Whether the idle color is already in the forward action (so the ALB health-checks it). */
  readonly idleAttached: boolean;
  readonly weights: Record<Color, number | null>;
}

/**
 * Reads the listener's default actions into roles. Only the states this workflow makes are
 * accepted: a plain forward to one configured group, or a weighted forward over the configured
 * groups where exactly one has weight. Anything else is RouterStateUnknown, naming what was found.
 */
export function readRouter(
  traffic: AlbTraffic,
  actions: readonly Action[] | undefined,
  opts: { readonly allowSplit?: boolean } = {},
  route: RouteLabel = { name: `listener ${traffic.listenerArn}`, actions: 'default action' },
): RouterRead {
  const forwards = (actions ?? []).filter((a) => a.Type === 'forward');
  const others = (actions ?? []).filter((a) => a.Type !== 'forward' && !a.Type?.startsWith('authenticate-'));
  if (forwards.length !== 1 || others.length > 0) {
    const types = (actions ?? []).map((a) => a.Type ?? '?').join(', ') || 'none';
    throw new RouterStateUnknown(
      `${route.name} must have one forward ${route.actions} listing the blue and green target groups; it has: ${types}`,
    );
  }
  const weights = forwardTargets(forwards[0]!);
  const byColor: Record<Color, number | null> = { blue: null, green: null };
  for (const [arn, weight] of Object.entries(weights)) {
    const color = colorOf(traffic, arn);
    if (!color) {
      throw new RouterStateUnknown(
        `${route.name} forwards to target group ${arn}, which is neither the blue nor the green group of this service`,
      );
    }
    byColor[color] = weight;
  }
  const withWeight = COLORS.filter((c) => (byColor[c] ?? 0) > 0);
  if (withWeight.length === 2 && opts.allowSplit) {
    const total = (byColor.blue ?? 0) + (byColor.green ?? 0);
    const blue = Math.round(((byColor.blue ?? 0) * 100) / total);
    const split = { blue, green: 100 - blue };
    const live = split.green > split.blue ? 'green' : 'blue';
    return { live, idleAttached: true, weights: byColor, split };
  }
  if (withWeight.length !== 1) {
    const described = `blue=${byColor.blue ?? 'absent'}, green=${byColor.green ?? 'absent'}`;
    throw new RouterStateUnknown(
      withWeight.length === 0
        ? `${route.name} sends traffic to neither side (${described}); set one side's weight by hand, then retry`
        : splitMessage(route.name, described),
    );
  }
  const live = withWeight[0]!;
  return { live, idleAttached: byColor[otherColor(live)] !== null, weights: byColor };
}

/**
 * Weights that give `target` `percent` of the traffic and the other side the rest; at 100 the
 * other side stays referenced (health-checked) at 0.
 */
export function weightsFor(traffic: AlbTraffic, target: Color, percent = 100): ForwardWeights {
  return {
    [targetGroupOf(traffic, target)]: percent,
    [targetGroupOf(traffic, otherColor(target))]: 100 - percent,
  };
}

/**
 * Rewrites the default actions so that the one forward action carries `weights`, keeping every other
 * part of the action (stickiness, authentication actions before it) as the operator set it.
 */
export function withForwardWeights(actions: readonly Action[], weights: ForwardWeights): Action[] {
  return actions.map((action) => {
    if (action.Type !== 'forward') return keepingSecret(action);
    return {
      Type: 'forward',
      Order: action.Order,
      ForwardConfig: {
        TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        TargetGroupStickinessConfig: action.ForwardConfig?.TargetGroupStickinessConfig,
      },
    };
  });
}

/**
 * The action list exactly as read, fit to be written back (a put-back after a failed write): only
 * an OIDC action's client secret, which Describe never returns, is kept as the route has it.
 */
export function asRead(actions: readonly Action[]): Action[] {
  return actions.map(keepingSecret);
}

function keepingSecret(action: Action): Action {
  if (action.Type === 'authenticate-oidc' && action.AuthenticateOidcConfig) {
    // AWS never returns the client secret on Describe; written back without it, the write would be
    // refused, so the route keeps the secret it has.
    const { ClientSecret: _hidden, ...oidc } = action.AuthenticateOidcConfig;
    return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
  }
  return action;
}

export interface Route {
  readonly kind: 'listener' | 'rule';
  readonly arn: string;
  readonly description: string;
  readonly targetGroupArns: readonly string[];
}

/**
 * Every route other than the configured ones (the listener's default action and `routes`) that
 * forwards to blue or green. The workflow would switch the configured routes and leave the others
 * pointing at the old side, so it refuses.
 */
export function unconfiguredRoutes(traffic: AlbTraffic, routes: readonly Route[]): Route[] {
  const ours = new Set(COLORS.map((color) => targetGroupOf(traffic, color)));
  const listeners = new Set([
    traffic.listenerArn,
    ...(traffic.routes ?? []).flatMap((r) => ('listenerArn' in r ? [r.listenerArn] : [])),
  ]);
  const rules = new Set((traffic.routes ?? []).flatMap((r) => ('ruleArn' in r ? [r.ruleArn] : [])));
  return routes.filter(
    (route) =>
      !(route.kind === 'listener' ? listeners : rules).has(route.arn) &&
      route.targetGroupArns.some((arn) => ours.has(arn)),
  );
}
