import { TemplateResolver, UnsupportedTemplateError } from '../../../local/assembly/resolver';
import type { Json } from '../../../local/common/json';

const ENV = {
  stackName: 'Resolver',
  region: 'eu-west-1',
  account: '111122223333',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
};

function resolverOf(resources: Record<string, { Type: string; Properties?: Record<string, Json> }>) {
  return new TemplateResolver({ Resources: resources }, ENV);
}

describe('TemplateResolver', () => {
  const resolver = resolverOf({
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'orders-step' } },
    Role: { Type: 'AWS::IAM::Role' },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'bluegreen-x' } },
    Queue: { Type: 'AWS::SQS::Queue' },
    Topic: { Type: 'AWS::SNS::Topic' },
  });

  test('resolves what a synthesized stack of this product contains', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] }, 'x')).toBe(
      'arn:aws:lambda:eu-west-1:111122223333:function:orders-step',
    );
    expect(resolver.resolve({ Ref: 'Machine' }, 'x')).toBe(
      'arn:aws:states:eu-west-1:111122223333:stateMachine:bluegreen-x',
    );
    expect(
      resolver.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':', { Ref: 'Fn' }]] }, 'x'),
    ).toBe('arn:aws:orders-step');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] }, 'x')).toMatch(
      /^arn:aws:iam::111122223333:role\/Resolver-Role-[0-9A-F]{12}$/,
    );
  });

  test('names an intrinsic function it does not resolve, and where it met it', () => {
    const thrown = () => resolver.resolve({ Env: { 'Fn::FindInMap': ['M', 'a', 'b'] } }, 'Fn.Environment');
    expect(thrown).toThrow(UnsupportedTemplateError);
    expect(thrown).toThrow(/Fn\.Environment\.Env \(Fn::FindInMap\): the intrinsic function Fn::FindInMap/);
  });

  test('names a resource type it cannot name or build an ARN for', () => {
    expect(() => resolver.resolve({ Ref: 'Topic' }, 'x')).toThrow(
      /Topic: .* of type AWS::SNS::Topic offline/,
    );
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['Fn', 'Version'] }, 'x')).toThrow(
      /Fn::GetAtt Fn\.Version \(AWS::Lambda::Function\) is not resolved offline/,
    );
  });

  test('resolves a queue (the dead-letter queue of a rule target): its Ref is the URL, its Arn the ARN', () => {
    const name =
      resolver
        .resolveString({ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'x')
        .split(':')
        .at(-1) ?? '';
    expect(name).toMatch(/Queue/);
    expect(resolver.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'x')).toBe(
      `arn:${ENV.partition}:sqs:${ENV.region}:${ENV.account}:${name}`,
    );
    expect(resolver.resolve({ Ref: 'Queue' }, 'x')).toBe(
      `https://sqs.${ENV.region}.${ENV.urlSuffix}/${ENV.account}/${name}`,
    );
  });

  test('refuses conditions rather than guessing whether a resource exists', () => {
    const conditional = new TemplateResolver(
      { Resources: { Fn: { Type: 'AWS::Lambda::Function', Condition: 'IsProd' } } },
      ENV,
    );
    expect(() => conditional.exists('Fn')).toThrow(/Fn: Condition IsProd cannot be evaluated offline/);
  });
});
