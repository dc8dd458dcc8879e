import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  BlueGreenCutoverPropsError,
  ConfigError,
  parseServiceConfig,
} from '../../lib';
import { TRAFFIC } from '../support/traffic';

const base = { service: 'orders-api', traffic: TRAFFIC } satisfies BlueGreenCutoverProps;

function templateOf(props: BlueGreenCutoverProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', props);
  return Template.fromStack(stack);
}

const machineRef = { Ref: expect.stringMatching(/^CutoverStateMachine/) };

describe('the Release Requested trigger', () => {
  const template = templateOf(base);

  it('matches this service’s Release Requested events and passes detail.request as the input', () => {
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['bluegreen.release'] } },
      }),
    );
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['bluegreen.release'],
      'detail-type': ['Release Requested'],
      detail: { service: ['orders-api'] },
    });
    expect(rule?.Properties.EventBusName).toBeUndefined(); // the default bus
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: machineRef,
        InputPath: '$.detail.request',
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^CutoverTriggerDeadLetters/), 'Arn'] },
        },
      }),
    ]);
  });

  it('gives the rule a role that may start this state machine and nothing else', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' } })],
        },
      },
    });
    const roleIds = Object.keys(roles);
    expect(roleIds).toHaveLength(1);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleIds[0] }),
      ),
    );
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: machineRef },
    ]);
  });

  it('keeps undeliverable events in an encrypted, TLS-only queue that only this rule may send to', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const [policy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const statements = policy?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: {
          ArnEquals: {
            'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^CutoverReleaseRequested/), 'Arn'] },
          },
        },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('is left out with trigger: false', () => {
    const without = templateOf({ ...base, trigger: false });
    expect(
      without.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['bluegreen.release'] } },
      }),
    ).toEqual({});
    without.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('is a key of the config file: false leaves the rule out, anything but a boolean is refused', () => {
    const config = parseServiceConfig({ ...base, trigger: false }, 'service.json');
    templateOf(config).resourceCountIs('AWS::SQS::Queue', 0);
    expect(() => parseServiceConfig({ ...base, trigger: 'no' }, 'service.json')).toThrow(ConfigError);
    expect(() => parseServiceConfig({ ...base, trigger: 'no' }, 'service.json')).toThrow(/trigger/);
  });

  it('refuses a trigger that is not a boolean, naming the field', () => {
    const build = () => templateOf({ ...base, trigger: 'yes' as unknown as boolean });
    expect(build).toThrow(BlueGreenCutoverPropsError);
    expect(build).toThrow(/trigger/);
  });
});
