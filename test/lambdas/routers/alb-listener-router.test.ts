import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { isRefusal } from '../../../lambdas/shared/aws/transient';
import { type AlbTraffic, CutoverFailed, RouterStateUnknown } from '../../../lambdas/shared/contract';
import { AlbListenerRouter } from '../../../lambdas/shared/routers/alb-listener';
import { awsError } from '../handlers/support';

const ID = '123456789012';
const LB = `arn:aws:elasticloadbalancing:us-east-1:${ID}:loadbalancer/app/orders/50dc6c495c0c9188`;
const OTHER_LB = `arn:aws:elasticloadbalancing:us-east-1:${ID}:loadbalancer/app/admin/77dc6c495c0c9100`;
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const HTTP = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener/app/orders/50dc6c495c0c9188/0a1b2c3d4e5f6a7b`;
const RULE = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener-rule/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const BLUE = `arn:aws:elasticloadbalancing:us-east-1:${ID}:targetgroup/orders-blue/73e2d6bc24d8a067`;
const GREEN = `arn:aws:elasticloadbalancing:us-east-1:${ID}:targetgroup/orders-green/09a6c3f2a6f6e7b1`;

const elb = mockClient(ElasticLoadBalancingV2Client);
const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1' });

const TRAFFIC: AlbTraffic = {
  type: 'alb-listener',
  listenerArn: LISTENER,
  blueTargetGroupArn: BLUE,
  greenTargetGroupArn: GREEN,
  routes: [{ listenerArn: HTTP }, { ruleArn: RULE }],
};

const weighted = (blue: number, green: number): Action[] => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: blue },
        { TargetGroupArn: GREEN, Weight: green },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
    },
  },
];
const plainBlue: Action[] = [{ Type: 'forward', TargetGroupArn: BLUE }];

/** The listener, the HTTP listener and the rule as AWS describes them. */
function routesAre(
  main: Action[],
  http: Action[],
  rule: Action[],
  opts: { httpLb?: string; isDefault?: boolean } = {},
) {
  elb
    .on(DescribeListenersCommand, { ListenerArns: [LISTENER] })
    .resolves({ Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB, DefaultActions: main }] });
  elb.on(DescribeListenersCommand, { ListenerArns: [HTTP] }).resolves({
    Listeners: [{ ListenerArn: HTTP, LoadBalancerArn: opts.httpLb ?? LB, DefaultActions: http }],
  });
  elb.on(DescribeRulesCommand, { RuleArns: [RULE] }).resolves({
    Rules: [{ RuleArn: RULE, Priority: '10', IsDefault: opts.isDefault ?? false, Actions: rule }],
  });
}

function router(traffic: AlbTraffic = TRAFFIC) {
  return new AlbListenerRouter(client, traffic);
}

/** Where each write went, in order, with the weights it set. */
function writes(): string[] {
  return elb.calls().flatMap((call) => {
    const input = call.args[0].input as {
      ListenerArn?: string;
      RuleArn?: string;
      DefaultActions?: Action[];
      Actions?: Action[];
    };
    const command = call.args[0].constructor.name;
    if (command !== 'ModifyListenerCommand' && command !== 'ModifyRuleCommand') return [];
    const actions = input.DefaultActions ?? input.Actions ?? [];
    const forward = actions.find((a) => a.Type === 'forward');
    const groups = forward?.ForwardConfig?.TargetGroups ?? [];
    const weightOf = (arn: string) => groups.find((g) => g.TargetGroupArn === arn)?.Weight;
    const weights = groups.length
      ? `blue=${weightOf(BLUE)},green=${weightOf(GREEN)}`
      : `plain ${forward?.TargetGroupArn === BLUE ? 'blue' : 'green'}`;
    const name = input.RuleArn ? 'rule' : input.ListenerArn === HTTP ? 'http' : 'listener';
    return [`${name} ${weights}`];
  });
}

beforeEach(() => {
  elb.reset();
  routesAre(weighted(100, 0), weighted(100, 0), weighted(100, 0));
  elb.on(ModifyListenerCommand).resolves({});
  elb.on(ModifyRuleCommand).resolves({});
});

describe('AlbListenerRouter with routes: read', () => {
  it('reads the listener, the route listeners and the rules by ARN, and answers the listener view', async () => {
    const view = await router().read();
    expect(view).toMatchObject({ live: 'blue', idle: 'green', idleAttached: true, scope: LB });
    expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [HTTP] });
    expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { RuleArns: [RULE] });
  });

  it('refuses a rule that holds green while the listener holds blue, naming the rule', async () => {
    routesAre(weighted(100, 0), weighted(100, 0), weighted(0, 100));
    await expect(router().read()).rejects.toThrow(
      new RegExp(`rule ${RULE} \\(traffic\\.routes\\[1\\]\\.ruleArn\\) holds all traffic on green`),
    );
  });

  it('refuses a route listener of another load balancer', async () => {
    routesAre(weighted(100, 0), weighted(100, 0), weighted(100, 0), { httpLb: OTHER_LB });
    const error = await router()
      .read()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect((error as Error).message).toContain(`belongs to load balancer ${OTHER_LB}, not to ${LB}`);
  });

  it('refuses a rule of another load balancer, told by its ARN', async () => {
    const foreignRule = RULE.replace('orders/50dc6c495c0c9188', 'admin/77dc6c495c0c9100');
    elb
      .on(DescribeRulesCommand, { RuleArns: [foreignRule] })
      .resolves({ Rules: [{ RuleArn: foreignRule, IsDefault: false, Actions: weighted(100, 0) }] });
    const traffic = { ...TRAFFIC, routes: [{ ruleArn: foreignRule }] };
    await expect(router(traffic).read()).rejects.toThrow(
      /traffic\.routes\[0\]\.ruleArn\) belongs to load balancer/,
    );
  });

  it("refuses a listener's default rule, which AWS changes only through the listener", async () => {
    routesAre(weighted(100, 0), weighted(100, 0), weighted(100, 0), { isDefault: true });
    await expect(router().read()).rejects.toThrow(
      /is the default rule of its listener.*list the listener instead/,
    );
  });

  it('names the route that does not exist', async () => {
    elb
      .on(DescribeRulesCommand, { RuleArns: [RULE] })
      .rejects(awsError('RuleNotFoundException', 'One or more rules not found', 400));
    await expect(router().read()).rejects.toThrow(
      `rule ${RULE} (traffic.routes[1].ruleArn) was not found: check traffic.routes[1].ruleArn and the region`,
    );
  });

  it('reads a shift step held on every route as a split', async () => {
    routesAre(weighted(90, 10), weighted(90, 10), weighted(90, 10));
    const traffic = { ...TRAFFIC, shift: { steps: [10, 100], stepBakeSeconds: 60 } };
    expect((await router(traffic).read()).split).toEqual({ blue: 90, green: 10 });
  });

  it('makes no further calls without routes', async () => {
    const { routes: _none, ...alone } = TRAFFIC;
    await router(alone).read();
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 1);
    expect(elb).not.toHaveReceivedCommand(DescribeRulesCommand);
  });
});

describe('AlbListenerRouter with routes: inspect', () => {
  it('accepts the configured routes forwarding to the groups, refuses another rule', async () => {
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({
      Listeners: [
        { ListenerArn: LISTENER, Protocol: 'HTTPS', Port: 443, DefaultActions: weighted(100, 0) },
        { ListenerArn: HTTP, Protocol: 'HTTP', Port: 80, DefaultActions: weighted(100, 0) },
      ],
    });
    elb.on(DescribeRulesCommand, { ListenerArn: LISTENER }).resolves({
      Rules: [{ RuleArn: RULE, Priority: '10', Actions: weighted(100, 0) }],
    });
    elb.on(DescribeRulesCommand, { ListenerArn: HTTP }).resolves({ Rules: [] });
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    await expect(router().inspect()).resolves.toMatchObject({ live: 'blue' });

    const stranger = `${RULE.slice(0, -1)}0`;
    elb.on(DescribeRulesCommand, { ListenerArn: HTTP }).resolves({
      Rules: [{ RuleArn: stranger, Priority: '5', Actions: plainBlue }],
    });
    await expect(router().inspect()).rejects.toThrow(
      new RegExp(`rule 5 of listener HTTP:80 \\(${stranger}\\) also forwards.*list it in traffic\\.routes`),
    );
  });
});

describe('AlbListenerRouter: Cognito authentication', () => {
  const POOL = `arn:aws:cognito-idp:us-east-1:${ID}:userpool/us-east-1_abc123`;
  const cognito: Action = {
    Type: 'authenticate-cognito',
    Order: 1,
    AuthenticateCognitoConfig: { UserPoolArn: POOL, UserPoolClientId: 'client-1', UserPoolDomain: 'orders' },
  };
  const alone: AlbTraffic = { ...TRAFFIC, routes: undefined };

  beforeEach(() => {
    elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER] }).resolves({
      Listeners: [
        { ListenerArn: LISTENER, LoadBalancerArn: LB, DefaultActions: [cognito, ...weighted(100, 0)] },
      ],
    });
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({ Listeners: [] });
    elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
  });

  it('refuses a listener authenticating with a user pool not listed, naming the key, before any write', async () => {
    const error = await router(alone)
      .inspect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CutoverFailed);
    expect((error as CutoverFailed).details).toMatchObject({ field: 'traffic.cognitoUserPoolArns' });
    expect((error as Error).message).toContain(`authenticates with Cognito user pool ${POOL}`);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('accepts it once the pool is listed, and writes the action back as read', async () => {
    const r = router({ ...alone, cognitoUserPoolArns: [POOL] });
    await expect(r.inspect()).resolves.toMatchObject({ live: 'blue' });
    elb.on(ModifyListenerCommand).resolves({});
    await r.write('green');
    const written = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input.DefaultActions ?? [];
    expect(written[0]).toEqual(cognito);
  });
});

describe('AlbListenerRouter with routes: write', () => {
  it('moves every route, the listener last, keeping stickiness', async () => {
    const r = router();
    await r.read();
    await r.write('green');
    expect(writes()).toEqual(['http blue=0,green=100', 'rule blue=0,green=100', 'listener blue=0,green=100']);
    expect(elb).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: RULE,
      Actions: [
        expect.objectContaining({
          ForwardConfig: expect.objectContaining({
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
          }),
        }),
      ],
    });
  });

  it('writes one shift step on every route', async () => {
    const r = router({ ...TRAFFIC, shift: { steps: [10, 100], stepBakeSeconds: 60 } });
    await r.write('green', 10);
    expect(writes()).toEqual(['http blue=90,green=10', 'rule blue=90,green=10', 'listener blue=90,green=10']);
  });

  it('attaches the idle group at weight 0 on every route', async () => {
    routesAre(plainBlue, plainBlue, plainBlue);
    expect(await router().attachIdle()).toBe(true);
    expect(writes()).toEqual(['http blue=100,green=0', 'rule blue=100,green=0', 'listener blue=100,green=0']);
  });

  it('puts the HTTP listener back as read when the rule write is refused, and rethrows the refusal', async () => {
    const refusal = awsError('ValidationError', 'the rule refused', 400);
    elb.on(ModifyRuleCommand).rejects(refusal);
    const r = router();
    await r.read();
    const error = await r.write('green').catch((e: unknown) => e);
    expect(error).toBe(refusal);
    expect(isRefusal(error)).toBe(true);
    expect(writes()).toEqual(['http blue=0,green=100', 'rule blue=0,green=100', 'http blue=100,green=0']);
    // Put back exactly as read, stickiness included.
    expect(elb.commandCalls(ModifyListenerCommand).at(-1)?.args[0].input).toEqual({
      ListenerArn: HTTP,
      DefaultActions: weighted(100, 0),
    });
  });

  it('puts the listener-side routes back when the listener write itself is refused', async () => {
    elb.on(ModifyListenerCommand, { ListenerArn: LISTENER }).rejects(awsError('AccessDenied', 'no', 403));
    await expect(router().write('green')).rejects.toThrow('no');
    expect(writes()).toEqual([
      'http blue=0,green=100',
      'rule blue=0,green=100',
      'listener blue=0,green=100',
      'rule blue=100,green=0',
      'http blue=100,green=0',
    ]);
  });

  it('also puts back the route whose write may have landed (no answer), then rethrows', async () => {
    const lost = awsError('TimeoutError', 'socket hang up');
    elb.on(ModifyRuleCommand).rejectsOnce(lost).resolves({});
    const error = await router()
      .write('green')
      .catch((e: unknown) => e);
    expect(error).toBe(lost);
    expect(writes()).toEqual([
      'http blue=0,green=100',
      'rule blue=0,green=100',
      'rule blue=100,green=0',
      'http blue=100,green=0',
    ]);
  });

  it('says which routes are left where when putting back fails, and is not a refusal', async () => {
    elb.on(ModifyRuleCommand).rejects(awsError('ValidationError', 'the rule refused', 400));
    elb
      .on(ModifyListenerCommand, { ListenerArn: HTTP })
      .resolvesOnce({})
      .rejects(
        awsError('AccessDenied', 'not authorized to perform: elasticloadbalancing:ModifyListener', 403),
      );
    const error = await router()
      .write('green')
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('RoutesLeftApart');
    expect(isRefusal(error)).toBe(false);
    expect((error as Error).message).toBe(
      `writing rule ${RULE} (traffic.routes[1].ruleArn) failed (ValidationError: the rule refused) and the routes written before it could not all be put back: listener ${HTTP} (traffic.routes[0].listenerArn) is left on the new weights (blue=0, green=100); putting it back failed (AccessDenied: not authorized to perform: elasticloadbalancing:ModifyListener). Set it back by hand to all traffic on blue, green attached at weight 0 (as read), then retry`,
    );
    expect((error as Error).cause).toMatchObject({ name: 'ValidationError' });
  });

  it('without routes, a failed listener write is not followed by any other write', async () => {
    const { routes: _none, ...alone } = TRAFFIC;
    elb.on(ModifyListenerCommand).rejects(awsError('TimeoutError', 'socket hang up'));
    await expect(router(alone).write('green')).rejects.toThrow('socket hang up');
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
  });
});
