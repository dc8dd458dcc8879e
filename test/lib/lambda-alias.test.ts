import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenCutover, type BlueGreenCutoverProps, ConfigError, parseServiceConfig } from '../../lib';
import { TRAFFIC } from '../support/traffic';

const LAMBDA_TRAFFIC = { type: 'lambda-alias', functionName: 'payments', aliasName: 'live' } as const;
const base = {
  service: 'payments',
  traffic: LAMBDA_TRAFFIC,
  deploy: { type: 'lambda-version', code: { s3Bucket: 'builds', s3Key: 'payments/{version}.zip' } },
  bakeSeconds: 300,
  healthTimeoutSeconds: 120,
} satisfies BlueGreenCutoverProps;

function templateOf(props: BlueGreenCutoverProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new BlueGreenCutover(stack, 'Cutover', props);
  return Template.fromStack(stack);
}

type Statement = { Action: string | string[]; Resource: unknown };

/** Every statement of the step's policy, with token ARNs rendered as text. */
function statementsOf(template: Template, step: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`Cutover${step}Function`))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

function resourcesOf(statements: Statement[], action: string): string[] {
  return statements
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat())
    .map((r) =>
      JSON.stringify(r)
        .replace(/\{"Ref":"AWS::(\w+)"\}/g, '<$1>')
        .replace(/[",[\]]|\{"Fn::Join":|\}/g, ''),
    );
}

describe('lambda-alias router and lambda-version deploy', () => {
  const template = templateOf(base);

  it('lets only the steps that switch traffic update the router alias, and only it', () => {
    for (const step of ['SwitchTraffic', 'Watch', 'Rollback', 'OnExecutionEnded']) {
      expect(resourcesOf(statementsOf(template, step), 'lambda:UpdateAlias')).toEqual([
        'arn:<Partition>:lambda:<Region>:<AccountId>:function:payments:live',
      ]);
    }
    for (const step of ['ResolveRoles', 'Attach', 'WaitHealthy', 'Gate', 'Abort']) {
      expect(resourcesOf(statementsOf(template, step), 'lambda:UpdateAlias')).toEqual([]);
    }
  });

  it('lets Deploy publish and update only the function, and point only the helper aliases', () => {
    const deploy = statementsOf(template, 'Deploy');
    const fn = 'arn:<Partition>:lambda:<Region>:<AccountId>:function:payments';
    expect(resourcesOf(deploy, 'lambda:PublishVersion')).toEqual([fn]);
    expect(resourcesOf(deploy, 'lambda:UpdateFunctionCode')).toEqual([fn]);
    expect(resourcesOf(deploy, 'lambda:UpdateAlias')).toEqual([`${fn}:blue`, `${fn}:green`]);
    expect(resourcesOf(deploy, 'lambda:CreateAlias')).toEqual([`${fn}:blue`, `${fn}:green`]);
    expect(resourcesOf(deploy, 's3:GetObject')).toEqual(['arn:<Partition>:s3:::builds/payments/*.zip']);
  });

  it('uses a function ARN as given, and grants the smoke test only when one is configured', () => {
    const arn = 'arn:aws:lambda:eu-west-1:210987654321:function:payments';
    const withArn = templateOf({ ...base, traffic: { ...LAMBDA_TRAFFIC, functionName: arn } });
    expect(resourcesOf(statementsOf(withArn, 'SwitchTraffic'), 'lambda:UpdateAlias')).toEqual([
      `${arn}:live`,
    ]);
    expect(resourcesOf(statementsOf(withArn, 'WaitHealthy'), 'lambda:InvokeFunction')).toEqual([]);
    const smoke = templateOf({
      ...base,
      traffic: { ...LAMBDA_TRAFFIC, healthCheck: { payload: { ping: 1 } } },
    });
    expect(resourcesOf(statementsOf(smoke, 'WaitHealthy'), 'lambda:InvokeFunction')).toEqual([
      'arn:<Partition>:lambda:<Region>:<AccountId>:function:payments:blue',
      'arn:<Partition>:lambda:<Region>:<AccountId>:function:payments:green',
    ]);
  });

  it('shows a Deploy state for lambda-version', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
      Properties: { DefinitionString: unknown };
    };
    expect(JSON.stringify(machine.Properties.DefinitionString)).toContain('\\"Deploy\\"');
  });

  it('refuses lambda-version with another router, naming deploy.type', () => {
    expect(() => templateOf({ ...base, traffic: TRAFFIC })).toThrow(
      'BlueGreenCutover: props.deploy.type "lambda-version" works only with props.traffic.type "lambda-alias"',
    );
  });
});

describe('lambda-alias config file', () => {
  const valid = { service: 'payments', traffic: LAMBDA_TRAFFIC, deploy: { type: 'lambda-version' } };

  function fieldOf(json: unknown): string {
    try {
      parseServiceConfig(json, 'service.json');
    } catch (error) {
      if (error instanceof ConfigError) return error.field;
      throw error;
    }
    return '(accepted)';
  }

  it('accepts the documented example, helper aliases defaulting to blue and green', () => {
    const config = parseServiceConfig(valid, 'service.json');
    expect(config.traffic).toMatchObject({ blueAliasName: 'blue', greenAliasName: 'green' });
  });

  it.each([
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, aliasName: '$LATEST' } }, 'traffic.aliasName'],
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, aliasName: '7' } }, 'traffic.aliasName'],
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, functionName: 'arn:aws:s3:::x' } }, 'traffic.functionName'],
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, blueAliasName: 'live' } }, 'traffic.blueAliasName'],
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, greenAliasName: 'blue' } }, 'traffic.greenAliasName'],
    [
      { ...valid, traffic: { ...LAMBDA_TRAFFIC, healthCheck: { payload: 'ping' } } },
      'traffic.healthCheck.payload',
    ],
    [{ ...valid, traffic: { ...LAMBDA_TRAFFIC, listenerArn: 'x' } }, 'traffic.listenerArn'],
    [{ ...valid, deploy: { type: 'lambda-version', code: { s3Bucket: 'b' } } }, 'deploy.code'],
    [{ ...valid, traffic: TRAFFIC }, 'deploy.type'],
  ])('rejects %j naming %s', (json, field) => {
    expect(fieldOf(json)).toBe(field);
  });

  it('says which router lambda-version needs', () => {
    expect(() => parseServiceConfig({ ...valid, traffic: TRAFFIC }, 'svc.json')).toThrow(
      'svc.json: "deploy.type" "lambda-version" works only with "traffic.type" "lambda-alias", got "alb-listener"',
    );
  });
});
