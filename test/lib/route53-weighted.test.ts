import { readFileSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BlueGreenCutover, type BlueGreenCutoverProps, BlueGreenCutoverPropsError } from '../../lib';
import type { Route53WeightedTraffic } from '../../lib/traffic-props';

const BLUE_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-blue/0123456789abcdef';
const GREEN_TG = 'arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/api-green/fedcba9876543210';
const CHECK = '0b5d4c2e-1234-4f2a-9a6c-0123456789ab';
const traffic: Route53WeightedTraffic = {
  type: 'route53-weighted',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  recordName: '*.API.example.com.',
  recordType: 'A',
  blueTargetGroupArn: BLUE_TG,
  greenTargetGroupArn: GREEN_TG,
};

function stackWith(props: Partial<BlueGreenCutoverProps> & { traffic: unknown }): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', {
    service: 'api',
    alarms: ['api-5xx'],
    ...props,
  } as BlueGreenCutoverProps);
  return stack;
}

function propsError(t: unknown): BlueGreenCutoverPropsError {
  try {
    stackWith({ traffic: t } as BlueGreenCutoverProps);
  } catch (error) {
    if (error instanceof BlueGreenCutoverPropsError) return error;
    throw error;
  }
  throw new Error('expected the props to be refused');
}

describe('route53-weighted traffic', () => {
  it('grants ChangeResourceRecordSets on the zone, for the one normalized name and type, CREATE and DELETE only', () => {
    Template.fromStack(stackWith({ traffic })).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'route53:ChangeResourceRecordSets',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0123456789ABCDEFGHIJ'],
              ],
            },
            Condition: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['\\052.api.example.com'],
                'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
                'route53:ChangeResourceRecordSetsActions': ['CREATE', 'DELETE'],
              },
            },
          }),
        ]),
      },
    });
  });

  it('grants GetHealthCheckStatus on the configured health checks only', () => {
    const template = Template.fromStack(
      stackWith({ traffic: { ...traffic, greenTargetGroupArn: undefined, greenHealthCheckId: CHECK } }),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'route53:GetHealthCheckStatus',
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::healthcheck/${CHECK}`]],
            },
          }),
        ]),
      },
    });
  });

  it('refuses a side with both health sources, naming the keys', () => {
    const error = propsError({ ...traffic, blueHealthCheckId: CHECK });
    expect(error.field).toBe('traffic.blueTargetGroupArn');
    expect(error.message).toContain(
      'give exactly one of props.traffic.blueTargetGroupArn and props.traffic.blueHealthCheckId',
    );
  });

  it('refuses a side with no health source, naming the keys', () => {
    const error = propsError({ ...traffic, greenTargetGroupArn: undefined });
    expect(error.field).toBe('traffic.greenTargetGroupArn');
    expect(error.message).toContain('props.traffic.greenHealthCheckId');
  });

  it('refuses the same set identifier for both sides', () => {
    const error = propsError({ ...traffic, blueSetIdentifier: 'live', greenSetIdentifier: 'live' });
    expect(error.field).toBe('traffic.greenSetIdentifier');
    expect(error.message).toContain('must differ from props.traffic.blueSetIdentifier');
  });

  it('refuses a record name that is not a DNS name and a record type Route 53 does not weight', () => {
    expect(propsError({ ...traffic, recordName: 'api example.com' }).field).toBe('traffic.recordName');
    expect(propsError({ ...traffic, recordType: 'SOA' }).field).toBe('traffic.recordType');
    expect(propsError({ ...traffic, hostedZoneId: '/hostedzone/Z1' }).field).toBe('traffic.hostedZoneId');
  });

  it('finds nothing unacknowledged by the AWS Solutions checks', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Nag', { env: { account: '123456789012', region: 'us-east-1' } });
    new BlueGreenCutover(stack, 'Cutover', { service: 'api', alarms: ['api-5xx'], traffic });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let report = '';
    try {
      app.synth();
    } catch (error) {
      report = readFileSync(`${app.outdir}/validation-report.json`, 'utf8');
      if (!report) throw error;
    }
    expect(report).toBe('');
  });
});
