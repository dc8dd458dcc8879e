import {
  DescribeLoadBalancersCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { FAKE_CREDENTIALS, REGION } from '../../common/account';
import { type AlbFixture, buildAlbFixture, elbv2Client } from '../../fixtures';
import { required } from '../../fixtures/alb';
import type { HonestAws } from '../../proxy/honest-aws';
import type { Side, TrafficFixture, TrafficFixtureContext } from './types';

/** The region of green's load balancer: the sides' health is read in two regions. */
export const GREEN_REGION = 'us-west-2';

/**
 * The `route53-weighted` world: `<service>.example.com` as two weighted CNAME records, blue (weight
 * 100) to an ALB in us-east-1 and green (weight 0) to an ALB in us-west-2, each ALB forwarding to
 * its side's target group. Health comes from those target groups, or (`healthSource:
 * 'health-check'`) from one Route 53 health check per side. The records' TTL is 1 s by default so
 * the drain (the TTL) keeps scenarios short; real records would say 60.
 */
export interface Route53TrafficFixture extends TrafficFixture {
  readonly type: 'route53-weighted';
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly recordType: 'CNAME';
  readonly east: AlbFixture;
  readonly west: AlbFixture;
  /** Each side's target group (blue in us-east-1, green in us-west-2). */
  readonly targetGroups: Record<Side, string>;
  /** Each side's Route 53 health check (created in both modes; configured only with `health-check`). */
  readonly healthChecks: Record<Side, string>;
  /** Every record of the zone with the router's name, straight from moto. */
  records(): Promise<ResourceRecordSet[]>;
  /** Changes a record in moto directly (as a person at the console would), e.g. `{ Weight: 30 }`. */
  editRecord(color: Side, patch: Partial<ResourceRecordSet>): Promise<void>;
  /** Adds or replaces a weighted record of the router's name and type with this set identifier. */
  putRecord(setIdentifier: string, weight: number, value?: string): Promise<void>;
  deleteRecord(color: Side): Promise<void>;
  /** Puts a record back as the fixture made it, blue live at 100 or green live. */
  resetRecords(live?: Side): Promise<void>;
  /** Runs `edit` in moto when the next change batch reaches the proxy, before it is judged. */
  editBeforeNextWrite(edit: () => Promise<void>): void;
}

export async function route53WeightedFixture(ctx: TrafficFixtureContext): Promise<Route53TrafficFixture> {
  const { opts, moto } = ctx;
  const useChecks = opts.healthSource === 'health-check';
  const ttl = opts.recordTtlSeconds ?? 1;
  const common = {
    service: ctx.service,
    targetsPerSide: opts.targetsPerSide ?? 2,
    deregistrationDelaySeconds: opts.deregistrationDelaySeconds ?? 0,
  };
  const east = await buildAlbFixture(moto.endpoint, {
    ...common,
    ...(opts.alarms ? { alarms: opts.alarms } : {}),
  });
  const west = await buildAlbFixture(moto.endpoint, { ...common, region: GREEN_REGION, alarms: [] });
  const westElb = elbv2Client(moto.endpoint, GREEN_REGION);
  const eastElb = elbv2Client(moto.endpoint, REGION);
  let dns: Record<Side, string>;
  try {
    // Green's ALB forwards to its green group (the fixture's ALB starts on its blue one).
    await westElb.send(
      new ModifyListenerCommand({
        ListenerArn: west.listenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: west.greenTargetGroupArn }],
      }),
    );
    const dnsOf = async (client: typeof eastElb, arn: string) =>
      required(
        (await client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }))).LoadBalancers?.[0]
          ?.DNSName,
        'DNSName',
      );
    dns = {
      blue: await dnsOf(eastElb, east.loadBalancerArn),
      green: await dnsOf(westElb, west.loadBalancerArn),
    };
  } finally {
    westElb.destroy();
    eastElb.destroy();
  }
  const targetGroups: Record<Side, string> = {
    blue: east.blueTargetGroupArn,
    green: west.greenTargetGroupArn,
  };
  const targetIds: Record<Side, string[]> = { blue: east.blueTargetIds, green: west.greenTargetIds };

  const route53 = new Route53Client({
    endpoint: moto.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: `${ctx.service}-${Date.now()}` }),
  );
  const hostedZoneId = required(zone.HostedZone?.Id, 'HostedZone.Id').replace('/hostedzone/', '');
  const recordName = `${ctx.service}.example.com`;
  const setIds: Record<Side, string> = { blue: 'blue', green: 'green' };
  const healthChecks = {} as Record<Side, string>;
  for (const side of ['blue', 'green'] as const) {
    const check = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `${ctx.service}-${side}-${Date.now()}`,
        HealthCheckConfig: {
          Type: 'HTTPS',
          FullyQualifiedDomainName: dns[side],
          Port: 443,
          ResourcePath: '/health',
          RequestInterval: 10,
          FailureThreshold: 2,
        },
      }),
    );
    healthChecks[side] = required(check.HealthCheck?.Id, 'HealthCheck.Id');
  }
  const recordOf = (side: Side, weight: number): ResourceRecordSet => ({
    Name: recordName,
    Type: 'CNAME',
    SetIdentifier: setIds[side],
    Weight: weight,
    TTL: ttl,
    ResourceRecords: [{ Value: dns[side] }],
  });
  const upsert = async (sets: ResourceRecordSet[]) => {
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: { Changes: sets.map((s) => ({ Action: 'UPSERT', ResourceRecordSet: s })) },
      }),
    );
  };
  await upsert([recordOf('blue', 100), recordOf('green', 0)]);

  const records = async () => {
    const out = await route53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId, MaxItems: 300 }),
    );
    return (out.ResourceRecordSets ?? []).filter((s) => s.Name?.replace(/\.$/, '') === recordName);
  };
  const recordOfSide = async (side: Side) => {
    const found = (await records()).find((s) => s.Type === 'CNAME' && s.SetIdentifier === setIds[side]);
    return required(found, `record ${setIds[side]}`);
  };

  // Started after the fixture, so the live side counts as long referenced (healthy), as in a real account.
  const aws: HonestAws = await ctx.startProxy();
  // Green's region counts as long settled too: its group has been behind its ALB all along.
  await aws.targetHealth(targetGroups.green);
  const healthOf = async (side: Side) => {
    if (useChecks) {
      const script = aws.route53.healthCheckScript(healthChecks[side]);
      return { healthy: script === 'healthy', detail: `health check ${healthChecks[side]} was ${script}` };
    }
    const targets = await aws.targetHealth(targetGroups[side]);
    const healthy = targets.length > 0 && targets.every((t) => t.state === 'healthy');
    return {
      healthy,
      detail:
        targets.length === 0
          ? `${targetGroups[side]} had no registered targets`
          : `the targets of ${targetGroups[side]} were ${targets.map((t) => `${t.id} ${t.state}`).join(', ')}`,
    };
  };
  const viaProxy = new Route53Client({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
  });
  aws.route53.watch({
    hostedZoneId,
    name: recordName,
    type: 'CNAME',
    sides: {
      blue: { setIdentifier: setIds.blue, health: () => healthOf('blue') },
      green: { setIdentifier: setIds.green, health: () => healthOf('green') },
    },
  });

  return {
    type: 'route53-weighted',
    hostedZoneId,
    recordName,
    recordType: 'CNAME',
    east,
    west,
    targetGroups,
    healthChecks,
    traffic: {
      type: 'route53-weighted',
      hostedZoneId,
      recordName,
      recordType: 'CNAME',
      blueSetIdentifier: setIds.blue,
      greenSetIdentifier: setIds.green,
      ...(useChecks
        ? { blueHealthCheckId: healthChecks.blue, greenHealthCheckId: healthChecks.green }
        : { blueTargetGroupArn: targetGroups.blue, greenTargetGroupArn: targetGroups.green }),
    },
    alarmNames: east.alarmNames,
    async weights() {
      const sets = await records();
      const weightOf = (side: Side) =>
        sets.find((s) => s.Type === 'CNAME' && s.SetIdentifier === setIds[side])?.Weight ?? null;
      return { blue: weightOf('blue'), green: weightOf('green') };
    },
    setSideHealth(color, state) {
      if (useChecks) aws.route53.setHealthCheck(healthChecks[color], state);
      else for (const id of targetIds[color]) aws.setTargetHealth(targetGroups[color], id, state);
    },
    clearSideHealth() {
      aws.clearTargetHealth();
      aws.route53.clearHealthChecks();
    },
    async writeAsIs() {
      const [blue, green] = [await recordOfSide('blue'), await recordOfSide('green')];
      await viaProxy.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: {
            Changes: [
              { Action: 'DELETE', ResourceRecordSet: blue },
              { Action: 'DELETE', ResourceRecordSet: green },
              { Action: 'CREATE', ResourceRecordSet: blue },
              { Action: 'CREATE', ResourceRecordSet: green },
            ],
          },
        }),
      );
    },
    violations: () => [...aws.violations, ...aws.route53.violations],
    writes: () =>
      aws.route53.writes.map((w) => ({
        at: w.at,
        router: w.router,
        weights: w.weights,
        accepted: w.accepted,
        ...(w.violation ? { violation: w.violation } : {}),
      })),
    records,
    async editRecord(color, patch) {
      await upsert([{ ...(await recordOfSide(color)), ...patch }]);
    },
    async putRecord(setIdentifier, weight, value = 'canary.example.net') {
      await upsert([
        {
          Name: recordName,
          Type: 'CNAME',
          SetIdentifier: setIdentifier,
          Weight: weight,
          TTL: ttl,
          ResourceRecords: [{ Value: value }],
        },
      ]);
    },
    async deleteRecord(color) {
      const set = await recordOfSide(color);
      // moto's DELETE takes every record with the set identifier; this zone has one per identifier.
      await route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: set }] },
        }),
      );
    },
    async resetRecords(live = 'blue') {
      const stray = (await records()).filter(
        (s) => s.Type === 'CNAME' && s.SetIdentifier !== setIds.blue && s.SetIdentifier !== setIds.green,
      );
      for (const set of stray) {
        await route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: { Changes: [{ Action: 'DELETE', ResourceRecordSet: set }] },
          }),
        );
      }
      await upsert([
        recordOf('blue', live === 'blue' ? 100 : 0),
        recordOf('green', live === 'green' ? 100 : 0),
      ]);
    },
    editBeforeNextWrite(edit) {
      aws.route53.onceBeforeNextChange(edit);
    },
  };
}
