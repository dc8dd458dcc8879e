import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  BlueGreenCutoverPropsError,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
} from '../../lib';
import { BLUE, HOOK, LISTENER, TRAFFIC } from '../support/traffic';

const base = {
  service: 'orders-api',
  traffic: TRAFFIC,
  alarms: ['orders-api-5xx'],
  bakeSeconds: 300,
  healthTimeoutSeconds: 120,
} satisfies BlueGreenCutoverProps;

function stackWith(props: BlueGreenCutoverProps | ((stack: Stack) => BlueGreenCutoverProps)): Stack {
  // Bundling is exercised by the workflow scenarios; here it would only slow the assertions down.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', typeof props === 'function' ? props(stack) : props);
  return stack;
}

/** Target group ARNs that are tokens, as when the groups are resources of the same app. */
function tokenGroups(stack: Stack) {
  return {
    blue: new CfnParameter(stack, 'BlueGroup').valueAsString,
    green: new CfnParameter(stack, 'GreenGroup').valueAsString,
  };
}

function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  return undefined;
}

type JoinPart = string | Record<string, unknown>;

/**
 * The most bytes the handlers' environment can take once deployed, read from the template: each
 * token (the table name) counted at 255 characters, the longest DynamoDB table name.
 */
function environmentBytesOf(stack: Stack): number {
  const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const [fn] = Object.values(fns) as Array<{
    Properties: { Environment: { Variables: Record<string, string | { 'Fn::Join': [string, JoinPart[]] }> } };
  }>;
  let bytes = 0;
  for (const [key, value] of Object.entries(fn?.Properties.Environment.Variables ?? {})) {
    bytes += Buffer.byteLength(key);
    const parts = typeof value === 'string' ? [value] : value['Fn::Join'][1];
    for (const part of parts) bytes += typeof part === 'string' ? Buffer.byteLength(part) : 255;
  }
  return bytes;
}

const template = Template.fromStack(
  stackWith({ ...base, deploy: { type: 'lambda-hook', functionArn: HOOK } }),
);

function policyStatements(): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (
        p as {
          Properties: {
            PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
          };
        }
      ).Properties.PolicyDocument.Statement,
  );
}

describe('BlueGreenCutover', () => {
  it('names the state machine after the service and derives its timeout from the timings', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'bluegreen-orders-api',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(sm);
    // 2 x health (120) + bake (300) + longest drain (3600) + slack (900)
    expect(definition).toContain('\\"TimeoutSeconds\\":5040');
  });

  it('gives every task its own timeout', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const join = (sm as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }).Properties
      .DefinitionString['Fn::Join'][1];
    const text = join.map((part) => (typeof part === 'string' ? part : 'x')).join('');
    const states = JSON.parse(text).States as Record<string, { Type: string; TimeoutSeconds?: number }>;
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(12);
    for (const [name, state] of tasks)
      expect([name, state.TimeoutSeconds]).toEqual([name, expect.any(Number)]);
  });

  it('retries every task that Lambda throttles, with jitter, and longest on the steps that restore or clean up', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const join = (sm as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }).Properties
      .DefinitionString['Fn::Join'][1];
    const text = join.map((part) => (typeof part === 'string' ? part : 'x')).join('');
    type Retrier = { ErrorEquals: string[]; MaxAttempts?: number; JitterStrategy?: string };
    const states = JSON.parse(text).States as Record<string, { Type: string; Retry?: Retrier[] }>;
    const throttled = (state: { Retry?: Retrier[] }) =>
      state.Retry?.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === 'Task')) {
      expect([name, throttled(state)?.JitterStrategy]).toEqual([name, 'FULL']);
    }
    const attempts = (name: string) => throttled(states[name]!)?.MaxAttempts ?? 0;
    expect(attempts('Rollback')).toBeGreaterThan(attempts('Bake'));
    expect(attempts('Abort')).toBeGreaterThan(attempts('Gate'));
  });

  it('runs every step on Node.js 22 with tracing', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns).length).toBe(14);
    for (const fn of Object.values(fns)) {
      expect(fn).toMatchObject({ Properties: { Runtime: 'nodejs22.x', TracingConfig: { Mode: 'Active' } } });
    }
  });

  it('grants router writes only on the configured listener', () => {
    const writes = policyStatements().filter((s) =>
      [s.Action].flat().includes('elasticloadbalancing:ModifyListener'),
    );
    expect(writes.length).toBe(5);
    for (const statement of writes) expect(statement.Resource).toBe(LISTENER);
  });

  it('grants the deploy hook invoke on that function only, and alarms by ARN', () => {
    const invokes = policyStatements().filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    // The state machine invokes its own step functions (by GetAtt); the only other target is the hook.
    const external = invokes.flatMap((s) => [s.Resource].flat()).filter((r) => typeof r === 'string');
    expect(external).toEqual([HOOK]);
    const alarms = policyStatements().filter((s) => [s.Action].flat().includes('cloudwatch:DescribeAlarms'));
    expect(alarms.length).toBe(2);
    for (const s of alarms) expect(JSON.stringify(s.Resource)).toContain(':alarm:orders-api-5xx');
  });

  it('never grants a write action on "*"', () => {
    for (const statement of policyStatements()) {
      if (statement.Resource !== '*') continue;
      for (const action of [statement.Action].flat()) {
        // Describe* of ELB, X-Ray and the log-delivery calls of state machine logging have no resource-level permissions.
        expect(action).toMatch(
          /^(elasticloadbalancing:Describe|xray:|cloudwatch:PutMetricData$|logs:(Create|Get|Update|Delete|List|Put|Describe)\w*(LogDelivery|LogDeliveries|ResourcePolicy|ResourcePolicies|LogGroups)$)/,
        );
      }
    }
  });

  it('rolls back stopped or timed-out executions through an EventBridge rule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.states'],
        detail: Match.objectLike({ status: ['ABORTED', 'TIMED_OUT', 'FAILED'] }),
      }),
    });
  });

  it('keeps the release history on delete and alarms when a rollback fails', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RollbackFailed',
      Namespace: 'BlueGreenCutover',
    });
  });

  it('leaves the deploy step out when deploy is none', () => {
    const t = Template.fromStack(stackWith(base));
    const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine'));
    expect(JSON.stringify(sm)).not.toContain('\\"Deploy\\"');
  });

  it('accepts timings of 1 s without pollSeconds: the poll defaults to the health timeout when shorter', () => {
    const t = Template.fromStack(stackWith({ ...base, healthTimeoutSeconds: 1, bakeSeconds: 1, alarms: [] }));
    expect(JSON.stringify(t.toJSON())).toContain('\\"pollSeconds\\":1,');
  });

  describe('refuses wrong props, naming the prop and the value', () => {
    it.each<[string, Partial<BlueGreenCutoverProps>, RegExp]>([
      ['service', { service: 'Orders_API' }, /props\.service.*"Orders_API"/],
      [
        'listenerArn',
        { traffic: { ...base.traffic, listenerArn: 'arn:aws:s3:::bucket' } },
        /props\.traffic\.listenerArn.*"arn:aws:s3:::bucket"/,
      ],
      [
        'blueTargetGroupArn',
        { traffic: { ...base.traffic, blueTargetGroupArn: 'nope' } },
        /props\.traffic\.blueTargetGroupArn.*"nope"/,
      ],
      [
        'same groups',
        { traffic: { ...base.traffic, greenTargetGroupArn: BLUE } },
        /greenTargetGroupArn must differ/,
      ],
      ['bakeSeconds', { bakeSeconds: -1 }, /props\.bakeSeconds.*-1/],
      ['pollSeconds', { pollSeconds: 0 }, /props\.pollSeconds.*0/],
      [
        'poll > health',
        { pollSeconds: 200, healthTimeoutSeconds: 100 },
        /pollSeconds \(200\) must not exceed/,
      ],
      ['healthTimeoutSeconds', { healthTimeoutSeconds: 1.5 }, /props\.healthTimeoutSeconds.*1\.5/],
      ['unknown prop', { bake: 60 } as Partial<BlueGreenCutoverProps>, /unknown prop props\.bake/],
      ['alarms', { alarms: ['a', 'a'] }, /props\.alarms.*twice/],
      [
        'deploy',
        { deploy: { type: 'lambda-hook', functionArn: 'orders-deploy' } },
        /props\.deploy\.functionArn.*"orders-deploy"/,
      ],
    ])('%s', (_name, override, message) => {
      expect(() => stackWith({ ...base, ...override })).toThrow(message);
    });
  });

  describe('checks across props also when the ARNs are tokens', () => {
    it('refuses pollSeconds > healthTimeoutSeconds with token target groups', () => {
      expect(() =>
        stackWith((stack) => {
          const { blue, green } = tokenGroups(stack);
          return {
            ...base,
            traffic: { ...TRAFFIC, blueTargetGroupArn: blue, greenTargetGroupArn: green },
            pollSeconds: 200,
            healthTimeoutSeconds: 100,
          };
        }),
      ).toThrow(/props\.pollSeconds \(200\) must not exceed props\.healthTimeoutSeconds \(100\)/);
    });

    it('refuses pollSeconds > healthTimeoutSeconds with a token listener', () => {
      expect(() =>
        stackWith((stack) => ({
          ...base,
          traffic: { ...TRAFFIC, listenerArn: new CfnParameter(stack, 'Listener').valueAsString },
          pollSeconds: 200,
          healthTimeoutSeconds: 100,
        })),
      ).toThrow(/props\.pollSeconds \(200\)/);
    });

    it('refuses the same token as blue and green', () => {
      expect(() =>
        stackWith((stack) => {
          const { blue } = tokenGroups(stack);
          return { ...base, traffic: { ...TRAFFIC, blueTargetGroupArn: blue, greenTargetGroupArn: blue } };
        }),
      ).toThrow(/props\.traffic\.greenTargetGroupArn must differ from props\.traffic\.blueTargetGroupArn/);
    });

    it('refuses one target group resource read twice as blue and green', () => {
      expect(() =>
        stackWith((stack) => {
          const group = new CfnResource(stack, 'Group', { type: 'AWS::ElasticLoadBalancingV2::TargetGroup' });
          return {
            ...base,
            traffic: { ...TRAFFIC, blueTargetGroupArn: group.ref, greenTargetGroupArn: group.ref },
          };
        }),
      ).toThrow(/props\.traffic\.greenTargetGroupArn must differ/);
    });

    it('accepts two different token target groups', () => {
      const stack = stackWith((stack) => {
        const { blue, green } = tokenGroups(stack);
        return { ...base, traffic: { ...TRAFFIC, blueTargetGroupArn: blue, greenTargetGroupArn: green } };
      });
      Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    });
  });

  describe("keeps the handlers' configuration inside Lambda's 4 KB environment", () => {
    const longNames = (count: number, length: number, tag = 'alarm') =>
      Array.from({ length: count }, (_, i) => `${tag}-${i}-`.padEnd(length, 'x'));

    it('refuses at synth the 100 alarms of 255 characters the alarm schema allows, naming alarms', () => {
      expect(() => stackWith({ ...base, alarms: longNames(100, 255) })).toThrow(
        /props\.alarms .*26\d\d\d bytes.*limit of 4096 bytes/,
      );
    });

    it('accepts a configuration of exactly 4096 bytes and refuses one byte more', () => {
      // Fill the gap up to the limit with alarm names (each adds its length plus quotes and a comma).
      const gap = LAMBDA_ENVIRONMENT_LIMIT_BYTES - environmentBytesOf(stackWith(base));
      const filler: string[] = [];
      let left = gap;
      while (left >= 258) {
        filler.push(...longNames(1, 255, `fill${filler.length}`));
        left -= 258;
      }
      const first = `${base.alarms?.[0]}${'x'.repeat(left)}`;
      const atLimit = stackWith({ ...base, alarms: [first, ...filler] });
      expect(environmentBytesOf(atLimit)).toBe(LAMBDA_ENVIRONMENT_LIMIT_BYTES);

      const error = thrownBy(() => stackWith({ ...base, alarms: [`${first}x`, ...filler] }));
      expect(error).toBeInstanceOf(BlueGreenCutoverPropsError);
      expect(error).toMatchObject({ field: 'alarms', violation: { bytes: 4097, limitBytes: 4096 } });
    });
  });

  it('throws structured errors: the prop and the value as fields', () => {
    const error = thrownBy(() => stackWith({ ...base, bakeSeconds: -1 }));
    expect(error).toBeInstanceOf(BlueGreenCutoverPropsError);
    expect(error).toMatchObject({ name: 'BlueGreenCutoverPropsError', field: 'bakeSeconds', value: -1 });
  });
});
