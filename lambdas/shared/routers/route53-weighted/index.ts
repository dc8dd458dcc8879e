import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { COLORS, type Color, otherColor, type Route53Traffic } from '../../contract';
import { logger } from '../../observability';
import { deregistrationDelaySeconds, describeTargetHealth } from '../alb-listener/elb';
import { summarizeHealth } from '../alb-listener/targets';
import type { Router, RouterView, RouterWords, SideHealth } from '../port';
import { refuseSplit } from '../split';
import { summarizeHealthCheck } from './health-check';
import {
  type RecordsRead,
  readRecords,
  recordsName,
  recordTtlSeconds,
  switchBatch,
  weightsFor,
} from './records';
import { changeRecordSets, healthCheckReports, listRecordSets, waitInsync } from './route53';

export { comparableName, normalizedRecordName } from './names';

/** The ELBv2 client of a region: a side's target group is read where it lives. */
export type ElbClientOf = (region: string) => ElasticLoadBalancingV2Client;

export interface Route53RouterOptions {
  /** How long a written change may stay PENDING before the write is an error. Default 20 s. */
  readonly insyncTimeoutMs?: number;
  /** Between GetChange polls. Default 1 s. */
  readonly insyncPollMs?: number;
}

/** The region of a target group ARN (`arn:aws:elasticloadbalancing:REGION:...`). */
export function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? '';
}

/** How long an accepted change may take to reach every Route 53 name server (AWS: about a minute). */
export const PROPAGATION_SECONDS = 60;

/**
 * The `route53-weighted` router: two weighted records of one name and type, blue and green by set
 * identifier. A write is one change batch that deletes both records as read and creates them with
 * the new weights, so a concurrent edit fails the batch instead of being overwritten; it returns once
 * the change is INSYNC. A side's health is its target group (in its own region) or its Route 53
 * health check.
 */
export class Route53WeightedRouter implements Router {
  readonly kind = 'records';
  readonly name: string;
  readonly words: RouterWords = {
    attach: () => 'nothing to attach: both records exist, and each side has its own health source',
    unattached: (idle) => `${idle}'s record is missing`,
    drain: "the records' TTL, plus the old side's deregistration delay when its health is a target group",
    drainSource: (side) =>
      `the TTL of ${this.name}, which resolvers may keep answering, plus the deregistration delay of ${side} when it is a target group`,
  };
  private last: RecordsRead | undefined;
  /** The last write's change was accepted but had not reached every name server when the wait ended. */
  private propagating = false;

  constructor(
    private readonly route53: Route53Client,
    private readonly elbOf: ElbClientOf,
    private readonly traffic: Route53Traffic,
    private readonly options: Route53RouterOptions = {},
  ) {
    this.name = `${recordsName(traffic)} in hosted zone ${traffic.hostedZoneId}`;
  }

  async read(): Promise<RouterView> {
    const sets = await listRecordSets(
      this.route53,
      this.traffic.hostedZoneId,
      this.traffic.recordName,
      this.traffic.recordType,
    );
    this.last = readRecords(this.traffic, sets, { allowSplit: !!this.traffic.shift });
    return this.viewOf(this.last);
  }

  async inspect(): Promise<RouterView> {
    const view = await this.read();
    refuseSplit(this, view);
    // Both health sources must exist; a missing one is RouterStateUnknown.
    for (const color of COLORS) await this.sideHealth(color);
    return view;
  }

  /** Both records exist whenever the router reads at all, and each side's health comes from its own source. */
  async attachIdle(): Promise<boolean> {
    if (!this.last) await this.read();
    return false;
  }

  async write(target: Color, percent = 100): Promise<void> {
    const read = await this.lastRead();
    const weights = weightsFor(target, percent);
    const changeId = await changeRecordSets(
      this.route53,
      this.traffic.hostedZoneId,
      switchBatch(read, weights),
      `bluegreen: ${target} ${percent}%, ${otherColor(target)} ${100 - percent}%`,
    );
    // The records as written are what the next write starts from.
    this.last = {
      live: target,
      ...(percent < 100 ? { split: weights } : {}),
      weights,
      records: {
        blue: { ...read.records.blue, Weight: weights.blue },
        green: { ...read.records.green, Weight: weights.green },
      },
    };
    const status = await waitInsync(this.route53, changeId, {
      timeoutMs: this.options.insyncTimeoutMs ?? 20_000,
      pollMs: this.options.insyncPollMs ?? 1000,
    });
    // Some name servers may still answer the old weights: the old side drains that much longer.
    this.propagating = status === 'PENDING';
    if (this.propagating) {
      logger.warn('Route 53 change accepted but not yet INSYNC; the drain counts the propagation', {
        changeId,
        propagationSeconds: PROPAGATION_SECONDS,
      });
    }
  }

  async sideHealth(color: Color): Promise<SideHealth> {
    const group = this.targetGroupOf(color);
    if (group) {
      return summarizeHealth(color, await describeTargetHealth(this.elbOf(regionOfArn(group)), group));
    }
    const check = this.healthCheckOf(color);
    return summarizeHealthCheck(color, check, await healthCheckReports(this.route53, check));
  }

  /** Resolvers keep the old answer for the record's TTL; then the side's target group drains its requests. */
  async drainSeconds(color: Color): Promise<number> {
    const read = await this.lastRead();
    const ttl = recordTtlSeconds(read.records[color]);
    const group = this.targetGroupOf(color);
    const spread = ttl + (this.propagating ? PROPAGATION_SECONDS : 0);
    return group
      ? spread + (await deregistrationDelaySeconds(this.elbOf(regionOfArn(group)), group))
      : spread;
  }

  /** The records as last read (or written); read now if this router has not read yet. */
  private async lastRead(): Promise<RecordsRead> {
    if (!this.last) await this.read();
    return this.last!;
  }

  private targetGroupOf(color: Color): string | undefined {
    return color === 'blue' ? this.traffic.blueTargetGroupArn : this.traffic.greenTargetGroupArn;
  }

  private healthCheckOf(color: Color): string {
    const id = color === 'blue' ? this.traffic.blueHealthCheckId : this.traffic.greenHealthCheckId;
    // The schema requires one health source per side.
    if (!id) throw new Error(`traffic has neither ${color}TargetGroupArn nor ${color}HealthCheckId`);
    return id;
  }

  private viewOf(read: RecordsRead): RouterView {
    return {
      live: read.live,
      idle: otherColor(read.live),
      ...(read.split ? { split: read.split } : {}),
      // Both records are always there: the idle side's health source is its own, not the router's.
      idleAttached: true,
      weights: read.weights,
      sides: {
        blue: this.traffic.blueTargetGroupArn ?? this.traffic.blueHealthCheckId ?? '',
        green: this.traffic.greenTargetGroupArn ?? this.traffic.greenHealthCheckId ?? '',
      },
      scope: `hostedzone/${this.traffic.hostedZoneId}`,
    };
  }
}
