import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AlbTraffic, RouterStateUnknown } from '../../contract';
import { asRead, type ForwardWeights, type RouteLabel, type RouterRead, withForwardWeights } from './forward';

/**
 * Pure logic over the configured routes of the ALB router: the listener's default action and the
 * further listeners and rules of `traffic.routes`, switched together. No AWS calls here.
 */

/** One configured route: the listener (`traffic.listenerArn`) or an entry of `traffic.routes`. */
export interface ConfiguredRoute {
  readonly kind: 'listener' | 'rule';
  readonly arn: string;
  /** The config key that names it, e.g. `traffic.routes[1].ruleArn`. */
  readonly field: string;
}

/** A configured route as read: its action list and what that list means. */
export interface RouteState {
  readonly route: ConfiguredRoute;
  readonly actions: readonly Action[];
  readonly read: RouterRead;
}

/** One write of a route's action list: ModifyListener (default actions) or ModifyRule. */
export interface RouteWrite {
  readonly route: ConfiguredRoute;
  readonly actions: Action[];
}

export function mainRoute(traffic: AlbTraffic): ConfiguredRoute {
  return { kind: 'listener', arn: traffic.listenerArn, field: 'traffic.listenerArn' };
}

/** The entries of `traffic.routes`, in the order configured. */
export function furtherRoutes(traffic: AlbTraffic): ConfiguredRoute[] {
  return (traffic.routes ?? []).map((entry, i) =>
    'listenerArn' in entry
      ? { kind: 'listener', arn: entry.listenerArn, field: `traffic.routes[${i}].listenerArn` }
      : { kind: 'rule', arn: entry.ruleArn, field: `traffic.routes[${i}].ruleArn` },
  );
}

/** How a route is named in messages: the main listener as before, a further route with its key. */
export function labelOf(route: ConfiguredRoute): RouteLabel {
  const name =
    route.field === 'traffic.listenerArn'
      ? `listener ${route.arn}`
      : `${route.kind} ${route.arn} (${route.field})`;
  return { name, actions: route.kind === 'listener' ? 'default action' : 'action' };
}

/** The load balancer a listener or listener rule ARN belongs to. */
export function loadBalancerOf(arn: string): string {
  const m = /^(arn:[^:]+:elasticloadbalancing:[^:]+:\d+):listener(?:-rule)?\/(app\/[^/]+\/[^/]+)\//.exec(arn);
  return m ? `${m[1]}:loadbalancer/${m[2]}` : '';
}

/** What a route's forward holds, in words: "all traffic on blue, green attached at weight 0". */
export function holding(read: RouterRead): string {
  if (read.split) return `a split of blue=${read.split.blue}%, green=${read.split.green}%`;
  const idle = read.live === 'blue' ? 'green' : 'blue';
  return `all traffic on ${read.live}, ${idle} ${read.idleAttached ? 'attached at weight 0' : 'not attached'}`;
}

function sameState(a: RouterRead, b: RouterRead): boolean {
  if (a.split || b.split) return a.split?.blue === b.split?.blue && a.split?.green === b.split?.green;
  return a.live === b.live && a.idleAttached === b.idleAttached;
}

/**
 * Every further route must hold what the listener holds (same live side, same attached state, same
 * split): routes switched together that disagree were edited by hand, or a write was cut short.
 */
export function requireAgreement(main: RouteState, others: readonly RouteState[]): void {
  const apart = others.filter((other) => !sameState(main.read, other.read));
  if (apart.length === 0) return;
  const described = apart.map((other) => `${labelOf(other.route).name} holds ${holding(other.read)}`);
  throw new RouterStateUnknown(
    `the routes switched together disagree: ${labelOf(main.route).name} holds ${holding(main.read)}, but ${described.join('; ')}; set ${apart.length === 1 ? 'that route' : 'those routes'} back by hand to match the listener, then retry`,
  );
}

/**
 * The writes of one switch: every further route first, in the order configured, the listener last.
 * The listener is the route that names the live side, so it moves only once every other route has;
 * whoever reads the listener alone (an operator, a dashboard) never sees a switch that is not
 * complete, and a write cut short leaves the listener on the side that still has all routes' trust.
 */
export function switchPlan(states: readonly RouteState[], weights: ForwardWeights): RouteWrite[] {
  const main = states.filter((s) => s.route.field === 'traffic.listenerArn');
  const others = states.filter((s) => s.route.field !== 'traffic.listenerArn');
  return [...others, ...main].map((s) => ({
    route: s.route,
    actions: withForwardWeights(s.actions, weights),
  }));
}

/**
 * The writes that undo a switch cut short: the routes already written, newest first, each back to
 * its action list as read. `unsure` is the route whose write failed without a clear refusal (it may
 * have landed), so it is written back too.
 */
export function putBackPlan(written: readonly RouteState[], unsure?: RouteState): RouteWrite[] {
  return [...written, ...(unsure ? [unsure] : [])]
    .reverse()
    .map((s) => ({ route: s.route, actions: asRead(s.actions) }));
}

/** A route whose put-back failed, with the error. */
export interface StuckRoute {
  readonly route: ConfiguredRoute;
  readonly error: Error;
  /** Its own write failed without a clear refusal: it may or may not hold the new weights. */
  readonly unsure?: boolean;
}

/**
 * A write of the routes failed, and so did putting back some of those already written: the routes
 * now disagree, and an operator must set them. Not an AWS refusal: traffic may have moved.
 */
export class RoutesLeftApart extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RoutesLeftApart';
  }
}

/** Says which routes are left where after a switch cut short whose put-back failed in part. */
export function leftApartMessage(
  failed: { readonly route: ConfiguredRoute; readonly error: Error },
  target: string,
  putBack: readonly ConfiguredRoute[],
  stuck: readonly StuckRoute[],
  asRead: RouterRead,
): string {
  const name = (route: ConfiguredRoute) => labelOf(route).name;
  const left = stuck.map(
    (s) =>
      `${name(s.route)} ${s.unsure ? 'may be' : 'is'} left on the new weights (${target}); putting it back failed (${s.error.name}: ${s.error.message})`,
  );
  const back = putBack.length > 0 ? `; put back as read: ${putBack.map(name).join(', ')}` : '';
  return (
    `writing ${name(failed.route)} failed (${failed.error.name}: ${failed.error.message}) and the routes written before it could not all be put back: ` +
    `${left.join('; ')}${back}. Set ${stuck.length === 1 ? 'it' : 'each'} back by hand to ${holding(asRead)} (as read), then retry`
  );
}
