import type { ElasticLoadBalancingV2Client, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AlbTraffic, COLORS, type Color, otherColor, RouterStateUnknown } from '../../contract';
import type { Router, RouterView, RouterWords, SideHealth } from '../port';
import { refuseSplit } from '../split';
import {
  deregistrationDelaySeconds,
  describeListener,
  describeTargetHealth,
  listRoutes,
  modifyDefaultActions,
} from './elb';
import { readRouter, targetGroupOf, unconfiguredRoutes, weightsFor, withForwardWeights } from './forward';
import { summarizeHealth } from './targets';

/**
 * The `alb-listener` router: one forward default action listing both target groups, switched by
 * rewriting its weights. Writes start from the listener as last read, so the rest of the action
 * list (authentication, stickiness) is kept exactly as the operator set it.
 */
export class AlbListenerRouter implements Router {
  readonly kind = 'listener';
  readonly name: string;
  readonly words: RouterWords = {
    attach: (idle) =>
      `add ${idle} to the listener's forward action at weight 0 (the ALB does not health-check ${idle} yet, so its health is unknown)`,
    unattached: (idle) => `${idle} is not in the forward action yet, so the ALB does not health-check it`,
    drain: 'its deregistration delay',
  };
  private listener: Listener | undefined;

  constructor(
    private readonly elb: ElasticLoadBalancingV2Client,
    private readonly traffic: AlbTraffic,
  ) {
    this.name = `listener ${traffic.listenerArn}`;
  }

  async read(): Promise<RouterView> {
    this.listener = await describeListener(this.elb, this.traffic.listenerArn);
    return this.viewOf(this.listener);
  }

  async inspect(): Promise<RouterView> {
    const view = await this.read();
    refuseSplit(this, view);
    const foreign = unconfiguredRoutes(this.traffic, await listRoutes(this.elb, view.scope));
    if (foreign.length > 0) {
      const one = foreign.length === 1;
      throw new RouterStateUnknown(
        `${foreign.map((r) => r.description).join('; ')} also forward${one ? 's' : ''} to the blue or green target group; switching only ${this.traffic.listenerArn} would leave ${one ? 'that route' : 'those routes'} on the old side: point ${one ? 'it' : 'them'} elsewhere or remove ${one ? 'it' : 'them'}`,
      );
    }
    // Both groups must exist; a missing one answers TargetGroupNotFound, which becomes RouterStateUnknown.
    for (const color of COLORS) await describeTargetHealth(this.elb, targetGroupOf(this.traffic, color));
    return view;
  }

  async attachIdle(): Promise<boolean> {
    const view = this.listener ? this.viewOf(this.listener) : await this.read();
    if (view.idleAttached) return false;
    await this.write(view.live);
    return true;
  }

  async write(target: Color, percent = 100): Promise<void> {
    if (!this.listener) await this.read();
    const weights = weightsFor(this.traffic, target, percent);
    const actions = withForwardWeights(this.listener?.DefaultActions ?? [], weights);
    await modifyDefaultActions(this.elb, this.traffic.listenerArn, actions);
  }

  async sideHealth(color: Color): Promise<SideHealth> {
    return summarizeHealth(color, await describeTargetHealth(this.elb, targetGroupOf(this.traffic, color)));
  }

  /** `deregistration_delay.timeout_seconds`: the operator's statement of the longest request. */
  drainSeconds(color: Color): Promise<number> {
    return deregistrationDelaySeconds(this.elb, targetGroupOf(this.traffic, color));
  }

  private viewOf(listener: Listener): RouterView {
    const read = readRouter(this.traffic, listener.DefaultActions, { allowSplit: !!this.traffic.shift });
    return {
      ...read,
      idle: otherColor(read.live),
      sides: { blue: this.traffic.blueTargetGroupArn, green: this.traffic.greenTargetGroupArn },
      scope: listener.LoadBalancerArn ?? '',
    };
  }
}
