import type { Color, RuntimeConfig } from './config';
import { colorOf, otherColor, targetGroupOf } from './config';
import { RouterStateUnknown } from './errors';

/**
 * Pure logic over the router (the ALB listener's forward action): what is live, which weights
 * come next, and whether a target group may receive traffic. No AWS calls here.
 */

export interface ActionShape {
  Type?: string;
  TargetGroupArn?: string;
  Order?: number;
  ForwardConfig?: {
    TargetGroups?: Array<{ TargetGroupArn?: string; Weight?: number }>;
    TargetGroupStickinessConfig?: { Enabled?: boolean; DurationSeconds?: number };
  };
}

/** Weights of the configured forward action by target group ARN (absent = not referenced). */
export type ForwardWeights = Record<string, number>;

export function forwardTargets(action: ActionShape): ForwardWeights {
  const weights: ForwardWeights = {};
  const groups = action.ForwardConfig?.TargetGroups;
  if (groups && groups.length > 0) {
    for (const group of groups) {
      // A ForwardConfig entry without a weight counts as weight 1 at AWS; an entry twice is invalid there.
      if (group.TargetGroupArn) weights[group.TargetGroupArn] = group.Weight ?? 1;
    }
  } else if (action.TargetGroupArn) {
    weights[action.TargetGroupArn] = 100;
  }
  return weights;
}

/** The target groups an action list sends traffic to (weight 0 included: those are health-checked). */
export function referencedTargetGroups(actions: readonly ActionShape[] | undefined): string[] {
  return (actions ?? []).filter((a) => a.Type === 'forward').flatMap((a) => Object.keys(forwardTargets(a)));
}

export interface RouterRead {
  /** The color receiving all traffic. */
  readonly live: Color;
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
  config: Pick<RuntimeConfig, 'traffic'>,
  listenerArn: string,
  actions: readonly ActionShape[] | undefined,
): RouterRead {
  const forwards = (actions ?? []).filter((a) => a.Type === 'forward');
  const others = (actions ?? []).filter((a) => a.Type !== 'forward' && !a.Type?.startsWith('authenticate-'));
  if (forwards.length !== 1 || others.length > 0) {
    const types = (actions ?? []).map((a) => a.Type ?? '?').join(', ') || 'none';
    throw new RouterStateUnknown(
      `listener ${listenerArn} must have one forward default action listing the blue and green target groups; it has: ${types}`,
    );
  }
  const weights = forwardTargets(forwards[0]!);
  const byColor: Record<Color, number | null> = { blue: null, green: null };
  for (const [arn, weight] of Object.entries(weights)) {
    const color = colorOf(config, arn);
    if (!color) {
      throw new RouterStateUnknown(
        `listener ${listenerArn} forwards to target group ${arn}, which is neither the blue nor the green group of this service`,
      );
    }
    byColor[color] = weight;
  }
  const withWeight = (['blue', 'green'] as const).filter((c) => (byColor[c] ?? 0) > 0);
  if (withWeight.length !== 1) {
    const described = `blue=${byColor.blue ?? 'absent'}, green=${byColor.green ?? 'absent'}`;
    throw new RouterStateUnknown(
      withWeight.length === 0
        ? `listener ${listenerArn} sends traffic to neither side (${described}); set one side's weight by hand, then retry`
        : `listener ${listenerArn} splits traffic between both sides (${described}); this workflow only makes all-or-nothing weights: restore one side to 100 by hand, then retry`,
    );
  }
  const live = withWeight[0]!;
  return { live, idleAttached: byColor[otherColor(live)] !== null, weights: byColor };
}

/** Weights that put all traffic on `live` and keep the other side referenced (health-checked) at 0. */
export function weightsFor(config: Pick<RuntimeConfig, 'traffic'>, live: Color): ForwardWeights {
  return { [targetGroupOf(config, live)]: 100, [targetGroupOf(config, otherColor(live))]: 0 };
}

/**
 * Rewrites the default actions so that the one forward action carries `weights`, keeping every other
 * part of the action (stickiness, authentication actions before it) as the operator set it.
 */
export function withForwardWeights(actions: readonly ActionShape[], weights: ForwardWeights): ActionShape[] {
  return actions.map((action) => {
    if (action.Type !== 'forward') return action;
    const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
    return {
      Type: 'forward',
      ...(action.Order !== undefined ? { Order: action.Order } : {}),
      ForwardConfig: {
        TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
      },
    };
  });
}

export interface Route {
  readonly kind: 'listener' | 'rule';
  readonly arn: string;
  readonly description: string;
  readonly targetGroupArns: readonly string[];
}

/**
 * Every route other than the configured listener's default action that forwards to blue or green.
 * The workflow would switch one route and leave the others pointing at the old side, so it refuses.
 */
export function unconfiguredRoutes(
  config: Pick<RuntimeConfig, 'traffic'>,
  routes: readonly Route[],
): Route[] {
  const ours = new Set([config.traffic.blueTargetGroupArn, config.traffic.greenTargetGroupArn]);
  return routes.filter(
    (route) =>
      !(route.kind === 'listener' && route.arn === config.traffic.listenerArn) &&
      route.targetGroupArns.some((arn) => ours.has(arn)),
  );
}

export interface TargetState {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

export interface HealthSummary {
  /** Every registered target is healthy, and there is at least one. */
  readonly healthy: boolean;
  readonly total: number;
  readonly healthyCount: number;
  /** One line, e.g. "2 of 3 targets healthy; i-0abc initial (Elb.RegistrationInProgress)". */
  readonly summary: string;
}

export function summarizeHealth(color: Color, targets: readonly TargetState[]): HealthSummary {
  const healthyCount = targets.filter((t) => t.state === 'healthy').length;
  const bad = targets.filter((t) => t.state !== 'healthy');
  const detail = bad
    .slice(0, 5)
    .map((t) => `${t.id}${t.port ? `:${t.port}` : ''} ${t.state}${t.reason ? ` (${t.reason})` : ''}`)
    .join(', ');
  const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
  const summary =
    targets.length === 0
      ? `${color} has no registered targets`
      : `${color}: ${healthyCount} of ${targets.length} targets healthy${detail ? `; ${detail}${more}` : ''}`;
  return { healthy: targets.length > 0 && bad.length === 0, total: targets.length, healthyCount, summary };
}

/**
 * During the bake, the new side is in trouble when a target fails its health checks or the side
 * has no healthy target left. Targets that are `initial` or `draining` are ordinary scaling churn.
 */
export function bakeHealthProblem(color: Color, targets: readonly TargetState[]): string | undefined {
  const failing = targets.filter((t) => t.state === 'unhealthy' || t.state === 'unavailable');
  if (failing.length > 0) {
    const first = failing[0]!;
    return `${color} went unhealthy: ${first.id} ${first.state}${first.reason ? ` (${first.reason})` : ''}${failing.length > 1 ? ` and ${failing.length - 1} more` : ''}`;
  }
  if (!targets.some((t) => t.state === 'healthy')) return `${color} has no healthy target left`;
  return undefined;
}
