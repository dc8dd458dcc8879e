import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenCutover, type BlueGreenCutoverProps, BlueGreenCutoverPropsError } from '../../lib';
import { TRAFFIC } from '../support/traffic';

const BEFORE = 'arn:aws:lambda:us-east-1:123456789012:function:orders-smoke';
const AFTER = 'arn:aws:lambda:us-east-1:123456789012:function:orders-checks';
const base = { service: 'orders-api', traffic: TRAFFIC, bakeSeconds: 300, healthTimeoutSeconds: 120 };

function templateWith(props: BlueGreenCutoverProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', props);
  return Template.fromStack(stack);
}

function states(template: Template): Record<string, unknown> {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const body = (
    machine as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }
  ).Properties.DefinitionString['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : 'x'))
    .join('');
  return (JSON.parse(body) as { States: Record<string, unknown> }).States;
}

describe('construct: lifecycle hooks', () => {
  it('refuses a hook that is not a Lambda function ARN, naming hooks.beforeTraffic', () => {
    expect(() => templateWith({ ...base, hooks: { beforeTraffic: 'orders-smoke' } })).toThrow(
      BlueGreenCutoverPropsError,
    );
    expect(() => templateWith({ ...base, hooks: { beforeTraffic: 'orders-smoke' } })).toThrow(
      /props\.hooks\.beforeTraffic must be a Lambda function ARN/,
    );
  });

  it('adds no state and no function without hooks', () => {
    const template = templateWith(base);
    expect(Object.keys(states(template))).not.toContain('BeforeTraffic');
    expect(
      Object.keys(template.findResources('AWS::Lambda::Function')).some((id) => id.includes('BeforeTraffic')),
    ).toBe(false);
  });

  it('adds BeforeTraffic, grants invoke on each hook to its step only, and lengthens the timeout', () => {
    const template = templateWith({ ...base, hooks: { beforeTraffic: BEFORE, afterTraffic: AFTER } });
    expect(Object.keys(states(template))).toContain('BeforeTraffic');
    const policies = template.findResources('AWS::IAM::Policy');
    const invokers: Record<string, string[]> = {};
    for (const [id, policy] of Object.entries(policies)) {
      const statements = (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties
        .PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
      for (const st of statements) {
        for (const arn of [BEFORE, AFTER]) {
          if (JSON.stringify(st.Resource).includes(arn)) invokers[arn] = [...(invokers[arn] ?? []), id];
        }
      }
    }
    expect(invokers[BEFORE]).toEqual([expect.stringMatching(/^CutoverBeforeTraffic/)]);
    expect(invokers[AFTER]).toEqual([expect.stringMatching(/^CutoverWatch/)]);
    const timeout = (props: BlueGreenCutoverProps) =>
      new BlueGreenCutover(
        new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'T', {
          env: { region: 'us-east-1' },
        }),
        'Cutover',
        props,
      ).timeout.toSeconds();
    expect(timeout({ ...base, hooks: { beforeTraffic: BEFORE, afterTraffic: AFTER } }) - timeout(base)).toBe(
      2 * 120,
    );
  });
});
