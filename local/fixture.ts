import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  type Action,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export const DEFAULT_REGION = 'us-east-1';
export const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

// An Amazon Linux 2 image from moto's built-in catalogue, so instances launch also when moto
// validates AMIs (MOTO_ENABLE_AMI_VALIDATION).
const AMI_ID = 'ami-04681a1dbd79675a5';

export interface AlbFixtureOptions {
  /** Names the ALB, target groups and default alarms; at most 26 characters so `-green` fits AWS's 32. */
  readonly service?: string;
  /** EC2 instances registered in each target group; 0 leaves a group empty. Default 2. */
  readonly targetsPerSide?: number;
  /** `deregistration_delay.timeout_seconds` of both groups. Default 0. */
  readonly deregistrationDelaySeconds?: number;
  /** Metric alarms to create, each OK. Default `['<service>-5xx', '<service>-p99']`. */
  readonly alarms?: string[];
  /**
   * Period of the alarms. Default 1 so tests can bake for a second; real CloudWatch only accepts
   * 10, 20, 30 or a multiple of 60 (moto accepts anything).
   */
  readonly alarmPeriodSeconds?: number;
  readonly region?: string;
}

export interface AlbFixture {
  readonly region: string;
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly loadBalancerArn: string;
  /** HTTPS:443, default action forwards to blue only (plain TargetGroupArn). */
  readonly listenerArn: string;
  /** HTTP:80, default action redirects to HTTPS:443. */
  readonly redirectListenerArn: string;
  readonly certificateArn: string;
  readonly blueTargetGroupArn: string;
  readonly greenTargetGroupArn: string;
  readonly blueTargetIds: string[];
  readonly greenTargetIds: string[];
  readonly alarmNames: string[];
}

function clientConfig(endpoint: string, region: string) {
  return { endpoint, region, credentials: FAKE_CREDENTIALS, maxAttempts: 1 };
}

export function elbv2Client(endpoint: string, region = DEFAULT_REGION): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client(clientConfig(endpoint, region));
}

export function cloudWatchClient(endpoint: string, region = DEFAULT_REGION): CloudWatchClient {
  return new CloudWatchClient(clientConfig(endpoint, region));
}

export function ec2Client(endpoint: string, region = DEFAULT_REGION): EC2Client {
  return new EC2Client(clientConfig(endpoint, region));
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`fixture: moto returned no ${what}`);
  return value;
}

/**
 * Builds, in moto, what a service that already runs on blue looks like: VPC, two subnets in two AZs,
 * an internet-facing ALB with HTTPS:443 forwarding only to blue and HTTP:80 redirecting to it, two
 * target groups with running instances, and OK metric alarms on the ALB's metrics.
 */
export async function buildAlbFixture(endpoint: string, opts: AlbFixtureOptions = {}): Promise<AlbFixture> {
  const region = opts.region ?? DEFAULT_REGION;
  const service = opts.service ?? 'orders-api';
  const targetsPerSide = opts.targetsPerSide ?? 2;
  const deregistrationDelay = opts.deregistrationDelaySeconds ?? 0;
  const alarmNames = opts.alarms ?? [`${service}-5xx`, `${service}-p99`];
  if (!/^[a-z][a-z0-9-]{0,25}$/.test(service)) {
    throw new Error(
      `fixture: service "${service}" must match ^[a-z][a-z0-9-]{0,25}$ (target group names are 32 max)`,
    );
  }
  if (!Number.isInteger(targetsPerSide) || targetsPerSide < 0) {
    throw new Error(`fixture: targetsPerSide must be a whole number >= 0, got ${targetsPerSide}`);
  }

  const ec2 = ec2Client(endpoint, region);
  const elb = elbv2Client(endpoint, region);
  const cw = cloudWatchClient(endpoint, region);
  try {
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }));
    const vpcId = required(vpc.Vpc?.VpcId, 'VpcId');
    const subnetIds: string[] = [];
    for (const [i, az] of ['a', 'b'].entries()) {
      const subnet = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.40.${i}.0/24`,
          AvailabilityZone: `${region}${az}`,
        }),
      );
      subnetIds.push(required(subnet.Subnet?.SubnetId, 'SubnetId'));
    }
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${service}-alb`,
        Description: `${service} ALB`,
        VpcId: vpcId,
      }),
    );
    const securityGroupId = required(sg.GroupId, 'GroupId');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: securityGroupId,
        IpPermissions: [80, 443].map((port) => ({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          IpRanges: [{ CidrIp: '0.0.0.0/0' }],
        })),
      }),
    );

    const lb = await elb.send(
      new CreateLoadBalancerCommand({
        Name: service,
        Subnets: subnetIds,
        SecurityGroups: [securityGroupId],
        Scheme: 'internet-facing',
        Type: 'application',
        IpAddressType: 'ipv4',
      }),
    );
    const loadBalancerArn = required(lb.LoadBalancers?.[0]?.LoadBalancerArn, 'LoadBalancerArn');

    const groups: Record<'blue' | 'green', { arn: string; targets: string[] }> = {
      blue: { arn: '', targets: [] },
      green: { arn: '', targets: [] },
    };
    for (const color of ['blue', 'green'] as const) {
      const tg = await elb.send(
        new CreateTargetGroupCommand({
          Name: `${service}-${color}`,
          Protocol: 'HTTP',
          ProtocolVersion: 'HTTP1',
          Port: 8080,
          VpcId: vpcId,
          TargetType: 'instance',
          HealthCheckEnabled: true,
          HealthCheckProtocol: 'HTTP',
          HealthCheckPort: 'traffic-port',
          HealthCheckPath: '/health',
          HealthCheckIntervalSeconds: 10,
          HealthCheckTimeoutSeconds: 5,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Matcher: { HttpCode: '200' },
        }),
      );
      const arn = required(tg.TargetGroups?.[0]?.TargetGroupArn, 'TargetGroupArn');
      await elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(deregistrationDelay) }],
        }),
      );
      const targets = await launchInstances(ec2, subnetIds, targetsPerSide, service, color);
      if (targets.length > 0) {
        await elb.send(
          new RegisterTargetsCommand({
            TargetGroupArn: arn,
            Targets: targets.map((Id) => ({ Id, Port: 8080 })),
          }),
        );
      }
      groups[color] = { arn, targets };
    }

    const certificateArn = await requestCertificate(endpoint, region, `${service}.example.com`);
    const https = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTPS',
        Port: 443,
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
        Certificates: [{ CertificateArn: certificateArn }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: groups.blue.arn }],
      }),
    );
    const listenerArn = required(https.Listeners?.[0]?.ListenerArn, 'ListenerArn');
    const redirect = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          {
            Type: 'redirect',
            RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
          },
        ],
      }),
    );
    const redirectListenerArn = required(redirect.Listeners?.[0]?.ListenerArn, 'ListenerArn');

    const lbDimension = loadBalancerArn.split(':loadbalancer/')[1] ?? loadBalancerArn;
    for (const [i, name] of alarmNames.entries()) {
      await cw.send(new PutMetricAlarmCommand(alarmSpec(name, i, lbDimension, opts.alarmPeriodSeconds ?? 1)));
      await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'OK', StateReason: 'fixture' }));
    }

    return {
      region,
      vpcId,
      subnetIds,
      securityGroupId,
      loadBalancerArn,
      listenerArn,
      redirectListenerArn,
      certificateArn,
      blueTargetGroupArn: groups.blue.arn,
      greenTargetGroupArn: groups.green.arn,
      blueTargetIds: groups.blue.targets,
      greenTargetIds: groups.green.targets,
      alarmNames,
    };
  } finally {
    ec2.destroy();
    elb.destroy();
    cw.destroy();
  }
}

async function launchInstances(
  ec2: EC2Client,
  subnetIds: string[],
  count: number,
  service: string,
  color: string,
): Promise<string[]> {
  const ids: string[] = [];
  // Spread over both AZs as an Auto Scaling group would.
  for (const [i, subnetId] of subnetIds.entries()) {
    const here = Math.floor(count / subnetIds.length) + (i < count % subnetIds.length ? 1 : 0);
    if (here === 0) continue;
    const out = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI_ID,
        InstanceType: 't3.micro',
        MinCount: here,
        MaxCount: here,
        SubnetId: subnetId,
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: 'service', Value: service },
              { Key: 'color', Value: color },
            ],
          },
        ],
      }),
    );
    for (const instance of out.Instances ?? []) ids.push(required(instance.InstanceId, 'InstanceId'));
  }
  return ids;
}

// Realistic alarms for an ALB service: 5xx count and p99 latency; further names get ELB-side 5xx and
// unhealthy-host alarms in turn.
function alarmSpec(
  name: string,
  index: number,
  lbDimension: string,
  period: number,
): PutMetricAlarmCommandInput {
  const common: PutMetricAlarmCommandInput = {
    AlarmName: name,
    Namespace: 'AWS/ApplicationELB',
    Dimensions: [{ Name: 'LoadBalancer', Value: lbDimension }],
    Period: period,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
  };
  const kind = name.endsWith('-p99')
    ? 'p99'
    : name.endsWith('-5xx')
      ? '5xx'
      : ['elb5xx', 'unhealthy'][index % 2];
  switch (kind) {
    case 'p99':
      return {
        ...common,
        AlarmDescription: 'p99 target response time above 1.5 s',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p99',
        Threshold: 1.5,
        ComparisonOperator: 'GreaterThanThreshold',
        Unit: 'Seconds',
      };
    case '5xx':
      return {
        ...common,
        AlarmDescription: 'targets answered 5xx',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Unit: 'Count',
      };
    case 'elb5xx':
      return {
        ...common,
        AlarmDescription: 'the load balancer answered 5xx',
        MetricName: 'HTTPCode_ELB_5XX_Count',
        Statistic: 'Sum',
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Unit: 'Count',
      };
    default:
      return {
        ...common,
        AlarmDescription: 'a target is unhealthy',
        MetricName: 'UnHealthyHostCount',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Unit: 'Count',
      };
  }
}

/**
 * HTTPS listeners need a certificate that exists in ACM (moto checks). The project has no ACM client,
 * so this speaks ACM's JSON protocol directly; moto does not verify signatures, it only reads the
 * region and service from the credential scope.
 */
async function requestCertificate(endpoint: string, region: string, domain: string): Promise<string> {
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'CertificateManager.RequestCertificate',
      'X-Amz-Date': date,
      Authorization:
        `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.accessKeyId}/${date.slice(0, 8)}/${region}/acm/aws4_request, ` +
        'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0',
    },
    body: JSON.stringify({ DomainName: domain, ValidationMethod: 'DNS' }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fixture: ACM RequestCertificate failed (${res.status}): ${text}`);
  return required((JSON.parse(text) as { CertificateArn?: string }).CertificateArn, 'CertificateArn');
}

export async function setAlarmState(
  endpoint: string,
  name: string,
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA',
  reason = `set by test to ${state}`,
  region = DEFAULT_REGION,
): Promise<void> {
  const cw = cloudWatchClient(endpoint, region);
  try {
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
  } finally {
    cw.destroy();
  }
}

/**
 * The weights of the forward in a list of actions: a plain `TargetGroupArn` forward (also in AWS's
 * shape, with a one-group ForwardConfig beside it) counts as 100 for that group; a ForwardConfig
 * group without a weight counts as 1 (AWS's and moto's default).
 * No forward action yields `{}`.
 */
export function forwardWeights(actions: readonly Action[] | undefined): Record<string, number> {
  const forward = (actions ?? []).find((a) => a.Type === 'forward');
  if (!forward) return {};
  const tuples = forward.ForwardConfig?.TargetGroups ?? [];
  // AWS describes a plain forward as TargetGroupArn plus a one-group ForwardConfig of weight 1.
  const plain =
    tuples.length === 1 && forward.TargetGroupArn && tuples[0]?.TargetGroupArn === forward.TargetGroupArn;
  if (tuples.length > 0 && !plain) {
    const weights: Record<string, number> = {};
    for (const t of tuples) if (t.TargetGroupArn) weights[t.TargetGroupArn] = t.Weight ?? 1;
    return weights;
  }
  return forward.TargetGroupArn ? { [forward.TargetGroupArn]: 100 } : {};
}

/** The listener's default forward weights, as the router sees them. */
export async function describeForward(
  endpoint: string,
  listenerArn: string,
  region = DEFAULT_REGION,
): Promise<Record<string, number>> {
  const elb = elbv2Client(endpoint, region);
  try {
    const out = await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const listener = required(out.Listeners?.[0], `listener ${listenerArn}`);
    return forwardWeights(listener.DefaultActions);
  } finally {
    elb.destroy();
  }
}

/**
 * Adds a path-pattern rule to the listener that forwards to the group: the "other route" that the
 * workflow must refuse to ignore. Returns the rule ARN.
 */
export async function addRuleForwardingTo(
  endpoint: string,
  listenerArn: string,
  targetGroupArn: string,
  region = DEFAULT_REGION,
): Promise<string> {
  const elb = elbv2Client(endpoint, region);
  try {
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    const used = (rules.Rules ?? []).map((r) => Number(r.Priority)).filter((p) => Number.isInteger(p));
    const priority = Math.max(0, ...used) + 1;
    const out = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: priority,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/route-${priority}/*`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    return required(out.Rules?.[0]?.RuleArn, 'RuleArn');
  } finally {
    elb.destroy();
  }
}
