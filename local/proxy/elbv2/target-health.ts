import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { FAKE_CREDENTIALS } from '../../common/account';
import { regionOf } from '../../common/arn';
import { forwardedGroups, forwardWeights } from '../../common/forward-weights';
import type { TargetState } from '../../offline/product';
import { actionsFromParams } from './actions';

/**
 * What DescribeTargetHealth would say at AWS, where moto reports every registered target `healthy`
 * at once: targets of a group that no listener default action or rule references report `unused`
 * (`Target.NotInUse`); for `initialMs` after a group becomes referenced (or a target is registered
 * into a referenced group) they report `initial` (`Elb.RegistrationInProgress`); afterwards moto's
 * answer stands. Test overrides win over all of this.
 *
 * Groups already referenced when it first looks at a region count as referenced long ago, so a live
 * side is healthy at once.
 */

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** A target as DescribeTargetHealth reports it: the product's own reading of the answer. */
export type TargetHealthView = TargetState;

const DEFAULT_REASONS: Record<string, { reason?: string; description?: string }> = {
  initial: { reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' },
  healthy: {},
  unhealthy: { reason: 'Target.FailedHealthChecks', description: 'Health checks failed' },
  unused: {
    reason: 'Target.NotInUse',
    description: 'Target group is not configured to receive traffic from the load balancer',
  },
  draining: {
    reason: 'Target.DeregistrationInProgress',
    description: 'Target deregistration is in progress',
  },
  unavailable: { reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' },
};

interface Override {
  readonly state: TargetHealthState;
  readonly reason?: string;
  readonly description?: string;
}

export class TargetHealthTruth {
  private readonly clients = new Map<string, ElasticLoadBalancingV2Client>();
  private readonly overrides = new Map<string, Map<string, Override>>();
  /** Target group ARN -> when it was first seen referenced (0: before anyone looked). */
  private readonly referencedAt = new Map<string, number>();
  /** `${tg}|${targetId}` -> when the target was first seen registered. */
  private readonly targetSeenAt = new Map<string, number>();
  private readonly settledRegions = new Map<string, Promise<void>>();

  constructor(
    private readonly motoEndpoint: string,
    private initialMs: number,
  ) {}

  setTargetHealth(
    targetGroupArn: string,
    targetId: string,
    state: TargetHealthState,
    reason?: string,
    description?: string,
  ): void {
    let group = this.overrides.get(targetGroupArn);
    if (!group) {
      group = new Map();
      this.overrides.set(targetGroupArn, group);
    }
    const defaults = DEFAULT_REASONS[state] ?? {};
    group.set(targetId, {
      state,
      reason: reason ?? defaults.reason,
      description: description ?? (reason ? undefined : defaults.description),
    });
  }

  clearTargetHealth(targetGroupArn?: string): void {
    if (targetGroupArn) this.overrides.delete(targetGroupArn);
    else this.overrides.clear();
  }

  setInitialMs(ms: number): void {
    this.initialMs = ms;
  }

  /**
   * Ends the `initial` period now for the given group (or every referenced group), e.g. when a test
   * built its fixture directly against moto after the proxy started.
   */
  async settle(targetGroupArn?: string): Promise<void> {
    const regions = targetGroupArn ? [regionOf(targetGroupArn)] : [...this.settledRegions.keys()];
    for (const region of regions) await this.referencedGroups(region, Date.now());
    for (const arn of this.referencedAt.keys()) {
      if (targetGroupArn && arn !== targetGroupArn) continue;
      this.referencedAt.set(arn, 0);
      for (const key of this.targetSeenAt.keys())
        if (key.startsWith(`${arn}|`)) this.targetSeenAt.set(key, 0);
    }
  }

  /** What DescribeTargetHealth through the proxy reports for every registered target of the group. */
  async targetHealth(targetGroupArn: string): Promise<TargetHealthView[]> {
    const [raw, referenced] = await Promise.all([
      this.motoTargetHealth(targetGroupArn),
      this.referencedNow(regionOf(targetGroupArn)),
    ]);
    return this.truth(targetGroupArn, raw, referenced);
  }

  async motoTargetHealth(targetGroupArn: string): Promise<TargetHealthView[]> {
    const region = regionOf(targetGroupArn);
    const out = await this.client(region).send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
    );
    return (out.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '',
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      state: d.TargetHealth?.State ?? 'unavailable',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    }));
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private client(region: string): ElasticLoadBalancingV2Client {
    let client = this.clients.get(region);
    if (!client) {
      client = new ElasticLoadBalancingV2Client({
        endpoint: this.motoEndpoint,
        region,
        credentials: FAKE_CREDENTIALS,
        maxAttempts: 1,
      });
      this.clients.set(region, client);
    }
    return client;
  }

  settleRegion(region: string): Promise<void> {
    let pending = this.settledRegions.get(region);
    if (!pending) {
      pending = this.snapshot(region);
      this.settledRegions.set(region, pending);
      pending.catch(() => this.settledRegions.delete(region));
    }
    return pending;
  }

  private async snapshot(region: string): Promise<void> {
    await this.referencedGroups(region, 0);
    const client = this.client(region);
    let marker: string | undefined;
    do {
      const page = await client.send(new DescribeTargetGroupsCommand({ Marker: marker }));
      for (const tg of page.TargetGroups ?? []) {
        const arn = tg.TargetGroupArn ?? '';
        const health = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
        for (const d of health.TargetHealthDescriptions ?? []) {
          if (d.Target?.Id) this.targetSeenAt.set(`${arn}|${d.Target.Id}`, 0);
        }
      }
      marker = page.NextMarker;
    } while (marker);
  }

  /**
   * Asks moto which target groups any listener or rule of any load balancer in the region forwards
   * to (weight 0 included), and records when each was first seen so.
   */
  private async referencedGroups(region: string, seenAt: number): Promise<Set<string>> {
    const client = this.client(region);
    const referenced = new Set<string>();
    const listenerArns: string[] = [];
    let lbMarker: string | undefined;
    do {
      const lbs = await client.send(new DescribeLoadBalancersCommand({ Marker: lbMarker }));
      await Promise.all(
        (lbs.LoadBalancers ?? []).map(async (lb) => {
          let marker: string | undefined;
          do {
            const page = await client.send(
              new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, Marker: marker }),
            );
            for (const listener of page.Listeners ?? []) {
              for (const arn of forwardedGroups(listener.DefaultActions)) referenced.add(arn);
              if (listener.ListenerArn) listenerArns.push(listener.ListenerArn);
            }
            marker = page.NextMarker;
          } while (marker);
        }),
      );
      lbMarker = lbs.NextMarker;
    } while (lbMarker);
    await Promise.all(
      listenerArns.map(async (listenerArn) => {
        let marker: string | undefined;
        do {
          const page = await client.send(
            new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker }),
          );
          for (const rule of page.Rules ?? [])
            for (const arn of forwardedGroups(rule.Actions)) referenced.add(arn);
          marker = page.NextMarker;
        } while (marker);
      }),
    );

    for (const arn of referenced) if (!this.referencedAt.has(arn)) this.referencedAt.set(arn, seenAt);
    for (const arn of [...this.referencedAt.keys()]) {
      // A group that stops being referenced goes back to `unused`; referenced again, it starts over.
      if (!referenced.has(arn) && regionOf(arn) === region) this.referencedAt.delete(arn);
    }
    return referenced;
  }

  async referencedNow(region: string): Promise<Set<string>> {
    await this.settleRegion(region);
    return this.referencedGroups(region, Date.now());
  }

  /** Applies the honesty rules to moto's view of a group's targets. */
  truth(
    targetGroupArn: string,
    motoView: readonly TargetHealthView[],
    referencedGroups: Set<string>,
  ): TargetHealthView[] {
    const now = Date.now();
    const referenced = referencedGroups.has(targetGroupArn);
    const overrides = this.overrides.get(targetGroupArn);
    return motoView.map((target) => {
      if (target.reason === 'Target.NotRegistered') return target;
      const key = `${targetGroupArn}|${target.id}`;
      if (!this.targetSeenAt.has(key)) this.targetSeenAt.set(key, now);
      const override = overrides?.get(target.id);
      if (override) return view(target, override.state, override.reason, override.description);
      if (!referenced) return view(target, 'unused');
      const since = Math.max(this.referencedAt.get(targetGroupArn) ?? now, this.targetSeenAt.get(key) ?? now);
      // moto's non-healthy answers are facts about the instance (e.g. stopped): they stand.
      if (target.state === 'healthy' && now < since + this.initialMs) return view(target, 'initial');
      return target;
    });
  }

  /**
   * Starts the `initial` clock of groups a successful write references, at the write. A group the
   * write stopped referencing is noticed at the next read (every read and write asks moto first), so
   * a group detached and attached again starts over.
   */
  markReferenced(groups: readonly string[]): void {
    const now = Date.now();
    for (const tg of groups) if (!this.referencedAt.has(tg)) this.referencedAt.set(tg, now);
  }

  /** Keeps the proxy's picture of registrations and references current after a successful write. */
  afterWrite(action: string, params: URLSearchParams): void {
    if (action === 'CreateListener') {
      this.markReferenced(Object.keys(forwardWeights(actionsFromParams(params, 'DefaultActions'))));
      return;
    }
    if (action !== 'RegisterTargets' && action !== 'DeregisterTargets') return;
    const now = Date.now();
    const tg = params.get('TargetGroupArn') ?? '';
    for (const [key, id] of params) {
      if (!/^Targets\.member\.\d+\.Id$/.test(key)) continue;
      if (action === 'RegisterTargets') this.targetSeenAt.set(`${tg}|${id}`, now);
      else this.targetSeenAt.delete(`${tg}|${id}`);
    }
  }
}

function view(
  target: TargetHealthView,
  state: string,
  reason?: string,
  description?: string,
): TargetHealthView {
  const defaults = reason === undefined && description === undefined ? (DEFAULT_REASONS[state] ?? {}) : {};
  const r = reason ?? defaults.reason;
  const d = description ?? defaults.description;
  return {
    id: target.id,
    ...(target.port !== undefined ? { port: target.port } : {}),
    state,
    ...(r ? { reason: r } : {}),
    ...(d ? { description: d } : {}),
  };
}
