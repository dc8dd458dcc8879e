import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenCutover, type BlueGreenCutoverProps, ConfigError, parseServiceConfig } from '../../lib';
import { TRAFFIC } from '../support/traffic';

const TASK_ROLE = 'arn:aws:iam::123456789012:role/orders-task';
const EXECUTION_ROLE = 'arn:aws:iam::123456789012:role/orders-task-execution';
const DEPLOY = {
  type: 'ecs-service',
  cluster: 'prod',
  blueService: 'orders-blue',
  greenService: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/orders-green',
  container: 'app',
  taskRoleArn: TASK_ROLE,
  executionRoleArn: EXECUTION_ROLE,
} as const;
const base = { service: 'orders-api', traffic: TRAFFIC, deploy: DEPLOY } satisfies BlueGreenCutoverProps;

function templateOf(props: BlueGreenCutoverProps): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new BlueGreenCutover(stack, 'Cutover', props);
  return Template.fromStack(stack);
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function statementsOf(template: Template, step: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(`Cutover${step}Function`))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
}

function rendered(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\{"Ref":"AWS::(\w+)"\}/g, '<$1>')
    .replace(/[",[\]]|\{"Fn::Join":|\}/g, '');
}

function withAction(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => [s.Action].flat().includes(action));
}

describe('ecs-service deploy: IAM of the Deploy step', () => {
  const template = templateOf(base);
  const deploy = statementsOf(template, 'Deploy');

  it('lets the Deploy step update and read exactly the two services', () => {
    const resources = withAction(deploy, 'ecs:UpdateService').flatMap((s) =>
      [s.Resource].flat().map(rendered),
    );
    expect(resources.sort()).toEqual(
      [
        'arn:<Partition>:ecs:<Region>:<AccountId>:service/prod/orders-blue',
        'arn:aws:ecs:eu-west-1:123456789012:service/prod/orders-green',
      ].sort(),
    );
    expect(withAction(deploy, 'ecs:DescribeServices')).toEqual(withAction(deploy, 'ecs:UpdateService'));
  });

  it('passes only the configured task roles, and only to ECS tasks', () => {
    const [passRole, ...more] = withAction(deploy, 'iam:PassRole');
    expect(more).toEqual([]);
    expect([passRole?.Resource].flat().sort()).toEqual([EXECUTION_ROLE, TASK_ROLE].sort());
    expect(passRole?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    });
  });

  it('grants RegisterTaskDefinition on * (no resource-level permissions), to the Deploy step only', () => {
    expect(withAction(deploy, 'ecs:RegisterTaskDefinition').map((s) => s.Resource)).toEqual(['*']);
    for (const step of ['Gate', 'SwitchTraffic', 'WaitHealthy', 'Watch', 'Rollback']) {
      expect(statementsOf(template, step).filter((s) => JSON.stringify(s.Action).includes('ecs:'))).toEqual(
        [],
      );
    }
  });

  it('grants no PassRole at all when the task definition has no roles configured', () => {
    const { taskRoleArn: _t, executionRoleArn: _e, ...bare } = DEPLOY;
    const statements = statementsOf(templateOf({ ...base, deploy: bare }), 'Deploy');
    expect(withAction(statements, 'iam:PassRole')).toEqual([]);
  });

  it('refuses ecs-service with another router, naming deploy.type', () => {
    const lambdaTraffic = { type: 'lambda-alias', functionName: 'payments', aliasName: 'live' } as const;
    expect(() => templateOf({ ...base, traffic: lambdaTraffic })).toThrow(
      'BlueGreenCutover: props.deploy.type "ecs-service" works only with props.traffic.type "alb-listener"',
    );
  });
});

describe('ecs-service config file', () => {
  const valid = { service: 'orders-api', traffic: TRAFFIC, deploy: DEPLOY };

  function fieldOf(json: unknown): string {
    try {
      parseServiceConfig(json, 'service.json');
    } catch (error) {
      if (error instanceof ConfigError) return error.field;
      throw error;
    }
    return '(accepted)';
  }

  it('accepts names and ARNs of the cluster and services', () => {
    expect(fieldOf(valid)).toBe('(accepted)');
    expect(
      fieldOf({
        ...valid,
        deploy: { ...DEPLOY, cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod' },
      }),
    ).toBe('(accepted)');
  });

  it.each([
    [{ ...valid, deploy: { ...DEPLOY, cluster: 'arn:aws:s3:::prod' } }, 'deploy.cluster'],
    [{ ...valid, deploy: { ...DEPLOY, blueService: 'orders blue' } }, 'deploy.blueService'],
    [{ ...valid, deploy: { ...DEPLOY, greenService: 'orders-blue' } }, 'deploy.greenService'],
    [{ ...valid, deploy: { ...DEPLOY, container: '' } }, 'deploy.container'],
    [{ ...valid, deploy: { ...DEPLOY, taskRoleArn: 'orders-task' } }, 'deploy.taskRoleArn'],
    [{ ...valid, deploy: { ...DEPLOY, executionRoleArn: TRAFFIC.listenerArn } }, 'deploy.executionRoleArn'],
    [{ ...valid, deploy: { ...DEPLOY, image: 'x' } }, 'deploy.image'],
    [{ ...valid, deploy: { type: 'ecs-service', cluster: 'prod' } }, 'deploy.blueService'],
    [
      {
        ...valid,
        traffic: { type: 'lambda-alias', functionName: 'payments', aliasName: 'live' },
      },
      'deploy.type',
    ],
  ])('rejects %j naming %s', (json, field) => {
    expect(fieldOf(json)).toBe(field);
  });
});
