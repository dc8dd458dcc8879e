import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type AlbFixture,
  type AlbRouteRef,
  buildAlbFixture,
  describeForward,
  describeRouteForward,
  elbv2Client,
} from '../../fixtures';
import type { Side, TrafficFixture, TrafficFixtureContext } from './types';

/**
 * The `alb-listener` world: an ALB, its HTTPS listener forwarding to blue, two target groups, alarms;
 * with `albRoutes`, also HTTP:80 and a `/api/*` rule forwarding to blue, configured as `traffic.routes`.
 */
export interface AlbTrafficFixture extends TrafficFixture {
  readonly type: 'alb-listener';
  readonly alb: AlbFixture;
  /** The further routes configured in `traffic.routes`, by the label `writes()` gives them. */
  readonly routes: Readonly<Record<string, AlbRouteRef>>;
  /** Each configured route's weights by label: `listener` (HTTPS:443) and the further routes. */
  routeWeights(): Promise<Record<string, Record<Side, number | null>>>;
}

export async function albListenerFixture(ctx: TrafficFixtureContext): Promise<AlbTrafficFixture> {
  const { opts, moto } = ctx;
  const alb = await buildAlbFixture(moto.endpoint, {
    service: ctx.service,
    ...(opts.alarms ? { alarms: opts.alarms } : {}),
    targetsPerSide: opts.targetsPerSide ?? 2,
    deregistrationDelaySeconds: opts.deregistrationDelaySeconds ?? 0,
    ...(opts.albRoutes ? { routes: true } : {}),
    ...(opts.albStickinessSeconds ? { stickinessSeconds: opts.albStickinessSeconds } : {}),
  });
  // Started after the fixture, so the live side counts as long referenced (healthy), as in a real account.
  const aws = await ctx.startProxy();
  const elb = elbv2Client(aws.endpoint);
  const groupOf = (color: 'blue' | 'green') =>
    color === 'blue' ? alb.blueTargetGroupArn : alb.greenTargetGroupArn;
  const bySide = (weights: Record<string, number>): Record<Side, number | null> => ({
    blue: weights[alb.blueTargetGroupArn] ?? null,
    green: weights[alb.greenTargetGroupArn] ?? null,
  });
  const routes: Record<string, AlbRouteRef> = alb.apiRuleArn
    ? {
        'listener HTTP:80': { listenerArn: alb.redirectListenerArn },
        'rule /api/*': { ruleArn: alb.apiRuleArn },
      }
    : {};
  const labels = new Map(
    Object.entries(routes).map(([label, ref]) => [Object.values(ref)[0] as string, label]),
  );
  return {
    type: 'alb-listener',
    alb,
    routes,
    traffic: {
      type: 'alb-listener',
      listenerArn: alb.listenerArn,
      blueTargetGroupArn: alb.blueTargetGroupArn,
      greenTargetGroupArn: alb.greenTargetGroupArn,
      ...(alb.apiRuleArn ? { routes: Object.values(routes) } : {}),
    },
    alarmNames: alb.alarmNames,
    async weights() {
      return bySide(await describeForward(moto.endpoint, alb.listenerArn));
    },
    async routeWeights() {
      const all: Record<string, Record<Side, number | null>> = {
        listener: bySide(await describeForward(moto.endpoint, alb.listenerArn)),
      };
      for (const [label, ref] of Object.entries(routes)) {
        all[label] = bySide(await describeRouteForward(moto.endpoint, ref));
      }
      return all;
    },
    setSideHealth(color, state) {
      const ids = color === 'blue' ? alb.blueTargetIds : alb.greenTargetIds;
      for (const id of ids) aws.setTargetHealth(groupOf(color), id, state);
    },
    clearSideHealth() {
      aws.clearTargetHealth();
    },
    async writeAsIs() {
      const weights = await describeForward(moto.endpoint, alb.listenerArn);
      const groups = Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight }));
      await elb.send(
        new ModifyListenerCommand({
          ListenerArn: alb.listenerArn,
          DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }],
        }),
      );
    },
    violations: () => aws.violations,
    writes: () =>
      aws.routerWrites.map((w) => ({
        at: w.at,
        router:
          labels.get(w.ruleArn ?? w.listenerArn) ??
          (w.ruleArn
            ? `rule ${w.ruleArn.split('/').at(-1)}`
            : w.listenerArn === alb.listenerArn
              ? 'listener'
              : `listener ${w.listenerArn.split('/').at(-1)}`),
        weights: bySide(w.weights),
        accepted: w.accepted,
        ...(w.violation ? { violation: w.violation } : {}),
      })),
  };
}
