import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AlbFixture, buildAlbFixture, describeForward, elbv2Client } from '../../fixtures';
import type { TrafficFixture, TrafficFixtureContext } from './types';

/** The `alb-listener` world: an ALB, its HTTPS listener forwarding to blue, two target groups, alarms. */
export interface AlbTrafficFixture extends TrafficFixture {
  readonly type: 'alb-listener';
  readonly alb: AlbFixture;
}

export async function albListenerFixture(ctx: TrafficFixtureContext): Promise<AlbTrafficFixture> {
  const { opts, moto } = ctx;
  const alb = await buildAlbFixture(moto.endpoint, {
    service: ctx.service,
    ...(opts.alarms ? { alarms: opts.alarms } : {}),
    targetsPerSide: opts.targetsPerSide ?? 2,
    deregistrationDelaySeconds: opts.deregistrationDelaySeconds ?? 0,
  });
  // Started after the fixture, so the live side counts as long referenced (healthy), as in a real account.
  const aws = await ctx.startProxy();
  const elb = elbv2Client(aws.endpoint);
  const groupOf = (color: 'blue' | 'green') =>
    color === 'blue' ? alb.blueTargetGroupArn : alb.greenTargetGroupArn;
  return {
    type: 'alb-listener',
    alb,
    traffic: {
      type: 'alb-listener',
      listenerArn: alb.listenerArn,
      blueTargetGroupArn: alb.blueTargetGroupArn,
      greenTargetGroupArn: alb.greenTargetGroupArn,
    },
    alarmNames: alb.alarmNames,
    async weights() {
      const weights = await describeForward(moto.endpoint, alb.listenerArn);
      return {
        blue: weights[alb.blueTargetGroupArn] ?? null,
        green: weights[alb.greenTargetGroupArn] ?? null,
      };
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
        router: w.ruleArn
          ? `rule ${w.ruleArn.split('/').at(-1)}`
          : w.listenerArn === alb.listenerArn
            ? 'listener'
            : `listener ${w.listenerArn.split('/').at(-1)}`,
        weights: {
          blue: w.weights[alb.blueTargetGroupArn] ?? null,
          green: w.weights[alb.greenTargetGroupArn] ?? null,
        },
        accepted: w.accepted,
        ...(w.violation ? { violation: w.violation } : {}),
      })),
  };
}
