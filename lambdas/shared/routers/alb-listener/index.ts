import type { ElasticLoadBalancingV2Client, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isRefusal } from '../../aws/transient';
import {
  type AlbTraffic,
  COLORS,
  type Color,
  CutoverFailed,
  otherColor,
  RouterStateUnknown,
} from '../../contract';
import type { InspectOptions, Router, RouterView, RouterWords, SideHealth, WriteOptions } from '../port';
import { refuseSplit } from '../split';
import {
  deregistrationDelaySeconds,
  describeListener,
  describeRouteListeners,
  describeRouteRules,
  describeTargetHealth,
  listRoutes,
  missingRoute,
  modifyDefaultActions,
  modifyRuleActions,
} from './elb';
import { readRouter, targetGroupOf, unconfiguredRoutes, weightsFor } from './forward';
import {
  type ConfiguredRoute,
  furtherRoutes,
  labelOf,
  leftApartMessage,
  loadBalancerOf,
  mainRoute,
  putBackPlan,
  type RouteState,
  RoutesLeftApart,
  type RouteWrite,
  requireAgreement,
  type StuckRoute,
  switchPlan,
} from './routes';
import {
  describeSticky,
  longestStickiness,
  type StickyRoute,
  stickinessOffNote,
  stickinessTooLong,
  stickyRoutes,
  withoutStickiness,
} from './stickiness';
import { summarizeHealth } from './targets';

/** What the last read saw: the view, and every configured route (the listener first) as read. */
/**
 * A route that authenticates with a Cognito user pool not in `traffic.cognitoUserPoolArns`: the
 * switch writes that action back, and AWS then checks `cognito-idp:DescribeUserPoolClient` on the
 * pool for the caller, which the workflow is granted only for the listed pools. Refused before
 * anything moves.
 */
function unlistedUserPools(traffic: AlbTraffic, routes: readonly RouteState[]): CutoverFailed | undefined {
  const listed = new Set(traffic.cognitoUserPoolArns ?? []);
  for (const { route, actions } of routes) {
    for (const action of actions) {
      const pool =
        action.Type === 'authenticate-cognito' ? action.AuthenticateCognitoConfig?.UserPoolArn : undefined;
      if (pool === undefined || listed.has(pool)) continue;
      return new CutoverFailed(
        `${route.field} (${route.arn}) authenticates with Cognito user pool ${pool}; writing that action back needs cognito-idp:DescribeUserPoolClient on the pool: list it in traffic.cognitoUserPoolArns`,
        { field: 'traffic.cognitoUserPoolArns' },
      );
    }
  }
  return undefined;
}

interface LastRead {
  readonly view: RouterView;
  readonly routes: readonly RouteState[];
}

/**
 * The `alb-listener` router: one forward default action listing both target groups, switched by
 * rewriting its weights, together with the further listeners and rules of `traffic.routes`. Writes
 * start from the routes as last read, so the rest of each action list (authentication, stickiness)
 * is kept exactly as the operator set it.
 */
export class AlbListenerRouter implements Router {
  readonly kind = 'listener';
  readonly name: string;
  readonly words: RouterWords;
  private last: LastRead | undefined;
  /** A restoring write of this instance turned stickiness off: it no longer holds clients on the side left. */
  private stickinessOff = false;

  constructor(
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly traffic: AlbTraffic,
  ) {
    this.name = `listener ${traffic.listenerArn}`;
    const sticky = () => (this.stickinessOff ? undefined : longestStickiness(this.last?.routes ?? []));
    this.words = {
      attach: (idle) =>
        `add ${idle} to the listener's forward action at weight 0 (the ALB does not health-check ${idle} yet, so its health is unknown)`,
      unattached: (idle) => `${idle} is not in the forward action yet, so the ALB does not health-check it`,
      get drain() {
        const s = sticky();
        return s
          ? `its deregistration delay or ${describeSticky(s)}, whichever is longer: sticky clients stay on the old side until their cookie expires`
          : 'its deregistration delay';
      },
      drainSource: (group) => {
        const s = sticky();
        const delay = `deregistration_delay.timeout_seconds of ${group}`;
        return s
          ? `the longer of ${delay} and ${describeSticky(s)}, whose clients stay on that side until their cookie expires`
          : delay;
      },
    };
  }

  async read(): Promise<RouterView> {
    const listener = await describeListener(this.elb, this.traffic.listenerArn);
    const actions = listener.DefaultActions ?? [];
    const main: RouteState = { route: mainRoute(this.traffic), actions, read: this.readActions(actions) };
    const further = await this.readFurtherRoutes(listener.LoadBalancerArn ?? '');
    requireAgreement(main, further);
    const view = this.viewOf(listener, main);
    this.last = { view, routes: [main, ...further] };
    return view;
  }

  async inspect(options: InspectOptions = {}): Promise<RouterView> {
    const view = await this.read();
    refuseSplit(this, view);
    // A rollback turns stickiness off, so only a release must fit its sticky clients into the drain.
    const tooLong = options.action === 'rollback' ? undefined : stickinessTooLong(this.last?.routes ?? []);
    if (tooLong) throw tooLong;
    const foreign = unconfiguredRoutes(this.traffic, await listRoutes(this.elb, view.scope));
    if (foreign.length > 0) {
      const one = foreign.length === 1;
      const switched = this.traffic.routes?.length
        ? `the ${this.traffic.routes.length + 1} configured routes (traffic.listenerArn and traffic.routes)`
        : this.traffic.listenerArn;
      throw new RouterStateUnknown(
        `${foreign.map((r) => r.description).join('; ')} also forward${one ? 's' : ''} to the blue or green target group; switching only ${switched} would leave ${one ? 'that route' : 'those routes'} on the old side: point ${one ? 'it' : 'them'} elsewhere or remove ${one ? 'it' : 'them'}${this.traffic.routes ? `, or list ${one ? 'it' : 'them'} in traffic.routes` : ''}`,
      );
    }
    const unlisted = unlistedUserPools(this.traffic, this.last?.routes ?? []);
    if (unlisted) throw unlisted;
    // Both groups must exist; a missing one answers TargetGroupNotFound, which becomes RouterStateUnknown.
    for (const color of COLORS) await describeTargetHealth(this.elb, targetGroupOf(this.traffic, color));
    return view;
  }

  async attachIdle(): Promise<boolean> {
    const view = this.last?.view ?? (await this.read());
    if (view.idleAttached) return false;
    await this.write(view.live);
    return true;
  }

  /**
   * Writes every configured route, the listener last (see switchPlan). A write that fails puts the
   * routes already written back as read, then rethrows the error, so a refusal still means that
   * nothing moved; if putting back fails too, RoutesLeftApart says which route is left where.
   */
  async write(target: Color, percent = 100, options: WriteOptions = {}): Promise<string | undefined> {
    if (!this.last) await this.read();
    const routes = this.last?.routes ?? [];
    const written: RouteState[] = [];
    // A restore turns stickiness off: clients stuck to the side being left must come back at once.
    const turnedOff: StickyRoute[] = options.restore ? stickyRoutes(routes) : [];
    const plan = switchPlan(routes, weightsFor(this.traffic, target, percent)).map((step) =>
      turnedOff.some((s) => s.route.field === step.route.field)
        ? { ...step, actions: withoutStickiness(step.actions) }
        : step,
    );
    for (const step of plan) {
      const state = routes.find((r) => r.route.field === step.route.field)!;
      try {
        await this.send(step);
      } catch (error) {
        // With the listener alone there is nothing to put back: the caller handles its one write.
        if (routes.length > 1) {
          const e = error instanceof Error ? error : new Error(String(error));
          // A refusal changed nothing; anything else may have landed, so that route goes back too.
          await this.putBack(written, { state, error: e, unsure: !isRefusal(e) }, target, percent);
        }
        throw error;
      }
      written.push(state);
    }
    if (turnedOff.length === 0) return undefined;
    this.stickinessOff = true;
    return stickinessOffNote(turnedOff, target);
  }

  async sideHealth(color: Color): Promise<SideHealth> {
    return summarizeHealth(color, await describeTargetHealth(this.elb, targetGroupOf(this.traffic, color)));
  }

  /**
   * `deregistration_delay.timeout_seconds` (the operator's statement of the longest request), or the
   * longest stickiness of the switched routes as last read when that is longer: sticky clients keep
   * reaching the old side until their cookie expires. Not after this instance's restore turned it off.
   */
  async drainSeconds(color: Color): Promise<number> {
    if (!this.last) await this.read();
    const delay = await deregistrationDelaySeconds(this.elb, targetGroupOf(this.traffic, color));
    const sticky = this.stickinessOff ? undefined : longestStickiness(this.last?.routes ?? []);
    return Math.max(delay, sticky?.seconds ?? 0);
  }

  private readActions(actions: Listener['DefaultActions'], route?: ConfiguredRoute) {
    return readRouter(
      this.traffic,
      actions,
      { allowSplit: !!this.traffic.shift },
      route ? labelOf(route) : undefined,
    );
  }

  /** The routes of `traffic.routes` as read: they must exist and be routes of the listener's load balancer. */
  private async readFurtherRoutes(loadBalancerArn: string): Promise<RouteState[]> {
    const further = furtherRoutes(this.traffic);
    if (further.length === 0) return [];
    const [listeners, rules] = await Promise.all([
      describeRouteListeners(
        this.elb,
        further.filter((r) => r.kind === 'listener'),
      ),
      describeRouteRules(
        this.elb,
        further.filter((r) => r.kind === 'rule'),
      ),
    ]);
    return further.map((route) => {
      const found = route.kind === 'listener' ? listeners.get(route.arn) : rules.get(route.arn);
      if (!found) throw missingRoute(route);
      const owner =
        route.kind === 'listener'
          ? ((found as Listener).LoadBalancerArn ?? loadBalancerOf(route.arn))
          : loadBalancerOf(route.arn);
      if (owner !== loadBalancerArn) {
        throw new RouterStateUnknown(
          `${labelOf(route).name} belongs to load balancer ${owner}, not to ${loadBalancerArn} of traffic.listenerArn: only routes of the listener's load balancer can be switched with it (a route elsewhere is not checked for other routes to the groups)`,
        );
      }
      if ('IsDefault' in found && found.IsDefault) {
        throw new RouterStateUnknown(
          `${labelOf(route).name} is the default rule of its listener, which AWS changes only through the listener: list the listener instead ({"listenerArn": "${route.arn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '')}"})`,
        );
      }
      const actions = ('Actions' in found ? found.Actions : (found as Listener).DefaultActions) ?? [];
      return { route, actions, read: this.readActions(actions, route) };
    });
  }

  private async send(step: RouteWrite): Promise<void> {
    if (step.route.kind === 'listener') await modifyDefaultActions(this.elb, step.route.arn, step.actions);
    else await modifyRuleActions(this.elb, step.route.arn, step.actions);
  }

  /** Puts back the routes written before `failed`; throws RoutesLeftApart when some stay where they are. */
  private async putBack(
    written: readonly RouteState[],
    failed: { readonly state: RouteState; readonly error: Error; readonly unsure: boolean },
    target: Color,
    percent: number,
  ): Promise<void> {
    const stuck: StuckRoute[] = [];
    const back: ConfiguredRoute[] = [];
    for (const step of putBackPlan(written, failed.unsure ? failed.state : undefined)) {
      try {
        await this.send(step);
        back.push(step.route);
      } catch (putBackError) {
        const error = putBackError instanceof Error ? putBackError : new Error(String(putBackError));
        const unsure = failed.unsure && step.route === failed.state.route;
        stuck.push({ route: step.route, error, ...(unsure ? { unsure } : {}) });
      }
    }
    if (stuck.length === 0) return;
    const share = { [target]: percent, [otherColor(target)]: 100 - percent } as Record<Color, number>;
    const weights = `blue=${share.blue}, green=${share.green}`;
    throw new RoutesLeftApart(
      leftApartMessage(
        { route: failed.state.route, error: failed.error },
        weights,
        back,
        stuck,
        failed.state.read,
      ),
      { cause: failed.error },
    );
  }

  private viewOf(listener: Listener, main: RouteState): RouterView {
    return {
      ...main.read,
      idle: otherColor(main.read.live),
      sides: { blue: this.traffic.blueTargetGroupArn, green: this.traffic.greenTargetGroupArn },
      scope: listener.LoadBalancerArn ?? '',
    };
  }
}
