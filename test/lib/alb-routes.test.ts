import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  BlueGreenCutoverPropsError,
  ConfigError,
  parseServiceConfig,
} from '../../lib';
import { LISTENER, TRAFFIC } from '../support/traffic';

const HTTP = LISTENER.replace(/[0-9a-f]{16}$/, 'aaaaaaaaaaaaaaaa');
const RULE = `${LISTENER.replace(':listener/', ':listener-rule/')}/bbbbbbbbbbbbbbbb`;
const OTHER_RULE = RULE.replace(/b{16}$/, 'cccccccccccccccc');

const base = {
  service: 'orders-api',
  traffic: { ...TRAFFIC, routes: [{ listenerArn: HTTP }, { ruleArn: RULE }] },
  alarms: ['orders-api-5xx'],
  bakeSeconds: 300,
  healthTimeoutSeconds: 120,
} satisfies BlueGreenCutoverProps;

function stackWith(props: BlueGreenCutoverProps | ((stack: Stack) => BlueGreenCutoverProps)): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', typeof props === 'function' ? props(stack) : props);
  return stack;
}

type Statement = { Action: string | string[]; Resource: unknown };

function statementsWith(stack: Stack, action: string): Statement[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    )
    .filter((s) => [s.Action].flat().includes(action));
}

function propsError(props: BlueGreenCutoverProps): BlueGreenCutoverPropsError {
  try {
    stackWith(props);
  } catch (error) {
    if (error instanceof BlueGreenCutoverPropsError) return error;
    throw error;
  }
  throw new Error('the props were accepted');
}

describe('ALB routes: grants', () => {
  const stack = stackWith(base);

  it('grants ModifyListener on the listener and the route listeners, in each step that writes', () => {
    const writes = statementsWith(stack, 'elasticloadbalancing:ModifyListener');
    expect(writes.length).toBe(5);
    for (const statement of writes) expect(statement.Resource).toEqual([LISTENER, HTTP]);
  });

  it('grants ModifyRule on the configured rules only', () => {
    const writes = statementsWith(stack, 'elasticloadbalancing:ModifyRule');
    expect(writes.length).toBe(5);
    for (const statement of writes) expect(statement.Resource).toBe(RULE);
  });

  it('grants no ModifyRule when only listeners are configured', () => {
    const listenersOnly = stackWith({ ...base, traffic: { ...TRAFFIC, routes: [{ listenerArn: HTTP }] } });
    expect(statementsWith(listenersOnly, 'elasticloadbalancing:ModifyRule')).toEqual([]);
  });
});

describe('ALB routes: refused at synth, naming the entry', () => {
  it('refuses a rule listed twice', () => {
    const error = propsError({
      ...base,
      traffic: { ...TRAFFIC, routes: [{ ruleArn: RULE }, { ruleArn: OTHER_RULE }, { ruleArn: RULE }] },
    });
    expect(error.field).toBe('traffic.routes[2].ruleArn');
    expect(error.message).toBe(
      `BlueGreenCutover: props.traffic.routes[2].ruleArn must differ from props.traffic.routes[0].ruleArn, both are "${RULE}"`,
    );
  });

  it('refuses the listener listed among its routes', () => {
    const error = propsError({
      ...base,
      traffic: { ...TRAFFIC, routes: [{ ruleArn: RULE }, { listenerArn: LISTENER }] },
    });
    expect(error.message).toMatch(
      /props\.traffic\.routes\[1\]\.listenerArn must differ from props\.traffic\.listenerArn/,
    );
  });

  it('refuses the same token listed twice', () => {
    expect(() =>
      stackWith((stack) => {
        const http = new CfnParameter(stack, 'Http').valueAsString;
        return { ...base, traffic: { ...TRAFFIC, routes: [{ listenerArn: http }, { listenerArn: http }] } };
      }),
    ).toThrow(
      /props\.traffic\.routes\[1\]\.listenerArn must differ from props\.traffic\.routes\[0\]\.listenerArn/,
    );
  });

  it('refuses a route that is no listener or rule ARN', () => {
    const error = propsError({
      ...base,
      traffic: { ...TRAFFIC, routes: [{ listenerArn: HTTP }, { ruleArn: 'rule-1' }] },
    });
    expect(error.field).toMatch(/^traffic\.routes\[1\]/);
  });

  it('refuses the same in the config file, naming the key', () => {
    const json = {
      service: 'orders-api',
      traffic: { ...TRAFFIC, routes: [{ ruleArn: RULE }, { ruleArn: RULE }] },
    };
    let error: unknown;
    try {
      parseServiceConfig(json, 'service.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('traffic.routes[1].ruleArn');
    expect((error as ConfigError).message).toBe(
      `service.json: "traffic.routes[1].ruleArn" must differ from "traffic.routes[0].ruleArn", both are "${RULE}"`,
    );
  });

  it('refuses an entry that is neither a listener nor a rule, saying what it must be', () => {
    const json = {
      service: 'orders-api',
      traffic: { ...TRAFFIC, routes: [{ listenerArn: HTTP, ruleArn: RULE }] },
    };
    expect(() => parseServiceConfig(json, 'service.json')).toThrow(
      '"traffic.routes[0]" must be {"listenerArn": "..."} or {"ruleArn": "..."}',
    );
  });
});

describe('ALB listeners that authenticate with Cognito: grants', () => {
  const POOL = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc123';

  it('grants DescribeUserPoolClient on the listed pools only, in each step that writes the listener', () => {
    const stack = stackWith({ ...base, traffic: { ...TRAFFIC, cognitoUserPoolArns: [POOL] } });
    const grants = statementsWith(stack, 'cognito-idp:DescribeUserPoolClient');
    expect(grants.length).toBe(statementsWith(stack, 'elasticloadbalancing:ModifyListener').length);
    for (const statement of grants) expect(statement.Resource).toEqual(POOL);
  });

  it('grants nothing of Cognito without listed pools', () => {
    expect(statementsWith(stackWith(base), 'cognito-idp:DescribeUserPoolClient')).toEqual([]);
  });

  it('refuses a pool ARN of the wrong shape at synth, naming the key', () => {
    const json = { ...base, traffic: { ...TRAFFIC, cognitoUserPoolArns: ['us-east-1_abc123'] } };
    expect(() => parseServiceConfig(json, 'service.json')).toThrow(/"traffic\.cognitoUserPoolArns\[0\]"/);
  });
});
