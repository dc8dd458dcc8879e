import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  type Route53Traffic,
  RouterStateUnknown,
  route53TrafficSchema,
} from '../../../lambdas/shared/contract';
import { PROPAGATION_SECONDS, Route53WeightedRouter } from '../../../lambdas/shared/routers/route53-weighted';

import { summarizeHealthCheck } from '../../../lambdas/shared/routers/route53-weighted/health-check';
import { comparableName, normalizedRecordName } from '../../../lambdas/shared/routers/route53-weighted/names';
import {
  readRecords,
  recordTtlSeconds,
  switchBatch,
  weightsFor,
} from '../../../lambdas/shared/routers/route53-weighted/records';
import { thrown } from '../../support/errors';

const BLUE_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-blue/0123456789abcdef';
const GREEN_TG = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/api-green/fedcba9876543210';
const traffic: Route53Traffic = route53TrafficSchema.parse({
  type: 'route53-weighted',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  recordName: 'api.example.com',
  recordType: 'CNAME',
  blueTargetGroupArn: BLUE_TG,
  greenTargetGroupArn: GREEN_TG,
});

function record(
  setIdentifier: string | undefined,
  weight: number | undefined,
  extra: Partial<ResourceRecordSet> = {},
) {
  return {
    Name: 'api.example.com.',
    Type: 'CNAME',
    ...(setIdentifier !== undefined ? { SetIdentifier: setIdentifier } : {}),
    ...(weight !== undefined ? { Weight: weight } : {}),
    TTL: 5,
    ResourceRecords: [{ Value: `${setIdentifier ?? 'x'}.lb.example.net` }],
    ...extra,
  } as ResourceRecordSet;
}

describe('record names', () => {
  it('compares names without case, trailing dot or octal escapes', () => {
    expect(comparableName('API.Example.com.')).toBe('api.example.com');
    expect(comparableName('\\052.example.com.')).toBe('*.example.com');
  });

  it('normalizes names for the IAM condition key: lowercase, no trailing dot, octal escapes', () => {
    expect(normalizedRecordName('API.Example.com.')).toBe('api.example.com');
    expect(normalizedRecordName('*.example.com')).toBe('\\052.example.com');
    expect(normalizedRecordName('a_b-c.example.com')).toBe('a_b-c.example.com');
  });
});

describe('readRecords', () => {
  it('reads the record with weight as live and the one at 0 as idle', () => {
    const read = readRecords(traffic, [record('blue', 100), record('green', 0)]);
    expect(read).toMatchObject({ live: 'blue', weights: { blue: 100, green: 0 } });
    expect(read.split).toBeUndefined();
    expect(readRecords(traffic, [record('green', 100), record('blue', 0)]).live).toBe('green');
  });

  it('ignores records of other names and types, and compares names normalized', () => {
    const read = readRecords(traffic, [
      record('blue', 0, { Name: 'API.example.com' }),
      record('green', 100),
      record('blue', 100, { Name: 'other.example.com.' }),
      record(undefined, undefined, { Type: 'TXT' }),
    ]);
    expect(read).toMatchObject({ live: 'green', weights: { blue: 0, green: 100 } });
  });

  it('refuses a third weighted record of the name and type, naming it', () => {
    const error = thrown(() =>
      readRecords(traffic, [record('blue', 100), record('green', 0), record('canary', 5)]),
    );
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.message).toContain("'canary' (weight 5)");
  });

  it('refuses a missing record, naming the set identifier and what was found', () => {
    const error = thrown(() => readRecords(traffic, [record('blue', 100)]));
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.message).toContain("no weighted record with set identifier 'green' (green)");
    expect(error.message).toContain("found: 'blue' (weight 100)");
  });

  it('refuses no records at all', () => {
    expect(thrown(() => readRecords(traffic, [])).message).toContain('found: none');
  });

  it('refuses a record of another routing policy with the name and type', () => {
    const error = thrown(() => readRecords(traffic, [record(undefined, undefined), record('green', 0)]));
    expect(error.message).toContain('another routing policy');
    expect(error.message).toContain('(simple)');
  });

  it('refuses both records at 0', () => {
    expect(thrown(() => readRecords(traffic, [record('blue', 0), record('green', 0)])).message).toContain(
      'sends traffic to neither side (blue=0, green=0)',
    );
  });

  it('refuses both with weight without shift, and reads a shift step with it', () => {
    const sets = [record('blue', 90), record('green', 10)];
    expect(thrown(() => readRecords(traffic, sets)).message).toContain('splits traffic between both sides');
    expect(readRecords(traffic, sets, { allowSplit: true })).toMatchObject({
      live: 'blue',
      split: { blue: 90, green: 10 },
    });
    expect(readRecords(traffic, [record('blue', 30), record('green', 70)], { allowSplit: true }).live).toBe(
      'green',
    );
  });

  it('refuses split weights this workflow did not write (not adding up to 100)', () => {
    const error = thrown(() =>
      readRecords(traffic, [record('blue', 3), record('green', 1)], { allowSplit: true }),
    );
    expect(error.message).toContain('weights this workflow did not write (blue=3, green=1)');
  });

  it('uses the configured set identifiers', () => {
    const custom = { ...traffic, blueSetIdentifier: 'east', greenSetIdentifier: 'west' };
    expect(readRecords(custom, [record('east', 0), record('west', 100)]).live).toBe('green');
    expect(thrown(() => readRecords(custom, [record('blue', 100), record('green', 0)])).message).toContain(
      "'blue' (weight 100), 'green' (weight 0)",
    );
  });
});

describe('switchBatch', () => {
  it('deletes both records exactly as read and creates them with the new weights', () => {
    const blue = record('blue', 100, { HealthCheckId: 'hc-1' });
    const green = record('green', 0);
    const read = readRecords(traffic, [blue, green]);
    expect(switchBatch(read, weightsFor('green'))).toEqual([
      { Action: 'DELETE', ResourceRecordSet: blue },
      { Action: 'DELETE', ResourceRecordSet: green },
      { Action: 'CREATE', ResourceRecordSet: { ...blue, Weight: 0 } },
      { Action: 'CREATE', ResourceRecordSet: { ...green, Weight: 100 } },
    ]);
  });

  it('writes a shift step as target percent, the other side the rest', () => {
    expect(weightsFor('green', 10)).toEqual({ green: 10, blue: 90 });
    expect(weightsFor('blue')).toEqual({ blue: 100, green: 0 });
    expect(() => weightsFor('blue', 0)).toThrow('whole percentage from 1 to 100');
  });

  it('writes alias records without the TTL moto answers them with', () => {
    const alias = { DNSName: 'lb.example.net.', HostedZoneId: 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: false };
    const blue = record('blue', 100, { TTL: 0, ResourceRecords: undefined, AliasTarget: alias });
    const green = record('green', 0, { TTL: undefined, ResourceRecords: undefined, AliasTarget: alias });
    const batch = switchBatch(readRecords(traffic, [blue, green]), weightsFor('green'));
    expect(batch.every((c) => c.ResourceRecordSet?.TTL === undefined)).toBe(true);
    expect(recordTtlSeconds(blue)).toBe(60);
    expect(recordTtlSeconds(record('blue', 1))).toBe(5);
  });
});

describe('summarizeHealthCheck', () => {
  it('is healthy only when every checker reports success', () => {
    const ok = { region: 'us-east-1', status: 'Success: HTTP Status Code 200, OK' };
    const bad = { region: 'eu-west-1', ipAddress: '54.1.2.3', status: 'Failure: Connection timed out.' };
    expect(summarizeHealthCheck('green', 'hc', [ok, ok])).toMatchObject({ healthy: true, healthyCount: 2 });
    const failing = summarizeHealthCheck('green', 'hc', [ok, bad]);
    expect(failing.healthy).toBe(false);
    expect(failing.summary).toBe(
      'green: 1 of 2 checkers of health check hc report success; eu-west-1 54.1.2.3: Failure: Connection timed out.',
    );
    expect(failing.servingProblem).toContain('green went unhealthy: health check hc fails at eu-west-1');
    expect(summarizeHealthCheck('blue', 'hc', []).healthy).toBe(false);
  });
});

describe('Route53WeightedRouter', () => {
  const route53 = mockClient(Route53Client);
  const elbs = new Map<string, ElasticLoadBalancingV2Client>();
  const elbOf = (region: string) => {
    if (!elbs.has(region)) elbs.set(region, new ElasticLoadBalancingV2Client({ region }));
    return elbs.get(region)!;
  };
  const router = (t: Route53Traffic = traffic) =>
    new Route53WeightedRouter(route53 as unknown as Route53Client, elbOf, t, {
      insyncTimeoutMs: 50,
      insyncPollMs: 5,
    });

  beforeEach(() => {
    route53.reset();
    elbs.clear();
  });

  it('reads from the name and type on, stopping at the first record past them', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        record('blue', 100),
        record('green', 0),
        record('blue', 1, { Name: 'b.example.com.' }),
      ],
      IsTruncated: true,
      NextRecordName: 'c.example.com.',
      NextRecordType: 'A',
      MaxItems: 3,
    });
    expect((await router().read()).live).toBe('blue');
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
    expect(route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      StartRecordName: 'api.example.com',
      StartRecordType: 'CNAME',
    });
  });

  it('follows NextRecordIdentifier within the name and type', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [record('blue', 100)],
        IsTruncated: true,
        NextRecordName: 'api.example.com.',
        NextRecordType: 'CNAME',
        NextRecordIdentifier: 'green',
        MaxItems: 1,
      })
      .resolvesOnce({ ResourceRecordSets: [record('green', 0)], IsTruncated: false, MaxItems: 1 });
    expect((await router().read()).weights).toEqual({ blue: 100, green: 0 });
    expect(route53).toHaveReceivedNthCommandWith(2, ListResourceRecordSetsCommand, {
      StartRecordIdentifier: 'green',
    });
  });

  it('refuses to loop over a truncated page that names no next record identifier', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [record('blue', 100)],
      IsTruncated: true,
      NextRecordName: 'api.example.com.',
      NextRecordType: 'CNAME',
      MaxItems: 1,
    });
    await expect(router().read()).rejects.toThrow('without NextRecordIdentifier');
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 1);
  });

  it('turns a missing hosted zone into RouterStateUnknown', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .rejects(Object.assign(new Error('No hosted zone found'), { name: 'NoSuchHostedZone' }));
    await expect(router().read()).rejects.toThrow(RouterStateUnknown);
  });

  it('writes one batch from the records as read and waits until the change is INSYNC', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false });
    route53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C0001', Status: 'PENDING', SubmittedAt: new Date() },
    });
    route53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: 'C0001', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolves({ ChangeInfo: { Id: 'C0001', Status: 'INSYNC', SubmittedAt: new Date() } });
    const r = router();
    await r.read();
    await r.write('green');
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    const batch =
      route53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch!.Changes ?? [];
    expect(
      batch.map((c) => [c.Action, c.ResourceRecordSet?.SetIdentifier, c.ResourceRecordSet?.Weight]),
    ).toEqual([
      ['DELETE', 'blue', 100],
      ['DELETE', 'green', 0],
      ['CREATE', 'blue', 0],
      ['CREATE', 'green', 100],
    ]);
    expect(route53).toHaveReceivedCommandWith(GetChangeCommand, { Id: 'C0001' });
    expect(route53).toHaveReceivedCommandTimes(GetChangeCommand, 2);
    // The next write starts from what this one wrote.
    await r.write('blue', 50);
    const second =
      route53.commandCalls(ChangeResourceRecordSetsCommand)[1]!.args[0].input.ChangeBatch!.Changes ?? [];
    expect(second.map((c) => c.ResourceRecordSet?.Weight)).toEqual([0, 100, 50, 50]);
  });

  it('keeps a write whose change stays PENDING (Route 53 applies what it accepted) and drains the propagation too', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false });
    route53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C0002', Status: 'PENDING', SubmittedAt: new Date() },
    });
    route53
      .on(GetChangeCommand)
      .resolves({ ChangeInfo: { Id: 'C0002', Status: 'PENDING', SubmittedAt: new Date() } });
    const eastClient = mockClient(elbOf('us-east-1'));
    eastClient.on(DescribeTargetGroupAttributesCommand).resolves({
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
    const r = router();
    await r.write('green');
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    // TTL 5 s, plus the propagation still under way, plus the blue group's deregistration delay.
    expect(await r.drainSeconds('blue')).toBe(5 + PROPAGATION_SECONDS + 30);
    eastClient.restore();
  });

  it("reads a target group's health in the ARN's region", async () => {
    const west = mockClient(elbOf('us-west-2'));
    west.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: 'i-1', Port: 80 }, TargetHealth: { State: 'unhealthy' } }],
    });
    const health = await router().sideHealth('green');
    expect(health).toMatchObject({
      healthy: false,
      summary: 'green: 0 of 1 targets healthy; i-1:80 unhealthy',
    });
    expect(west).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
    west.restore();
  });

  it("reads a side's Route 53 health check", async () => {
    route53.on(GetHealthCheckStatusCommand).resolves({
      HealthCheckObservations: [
        { Region: 'us-east-1', StatusReport: { Status: 'Success: HTTP Status Code 200, OK' } },
        { Region: 'eu-west-1', StatusReport: { Status: 'Failure: HTTP Status Code 503' } },
      ],
    });
    const checked = {
      ...traffic,
      greenTargetGroupArn: undefined,
      greenHealthCheckId: '0b5d4c2e-1234-4f2a-9a6c-0123456789ab',
    };
    const health = await router(checked).sideHealth('green');
    expect(health.healthy).toBe(false);
    expect(health.summary).toContain('eu-west-1: Failure: HTTP Status Code 503');
  });

  it('drains for the TTL plus the target group deregistration delay', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false });
    const eastClient = mockClient(elbOf('us-east-1'));
    eastClient.on(DescribeTargetGroupAttributesCommand).resolves({
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
    expect(await router().drainSeconds('blue')).toBe(35);
    const checked = {
      ...traffic,
      blueTargetGroupArn: undefined,
      blueHealthCheckId: '0b5d4c2e-1234-4f2a-9a6c-0123456789ab',
    };
    expect(await router(checked).drainSeconds('blue')).toBe(5);
    eastClient.restore();
  });

  it('attaches nothing: both records are always there', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .resolves({ ResourceRecordSets: [record('blue', 100), record('green', 0)], IsTruncated: false });
    const r = router();
    expect((await r.read()).idleAttached).toBe(true);
    expect(await r.attachIdle()).toBe(false);
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 0);
  });
});
