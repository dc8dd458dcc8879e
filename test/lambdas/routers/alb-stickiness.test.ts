import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type AlbTraffic, CutoverFailed } from '../../../lambdas/shared/contract';
import { AlbListenerRouter } from '../../../lambdas/shared/routers/alb-listener';
import { MAX_DRAIN_SECONDS } from '../../../lambdas/shared/routers/alb-listener/stickiness';
import { MAX_DRAIN_SECONDS as CONSTRUCT_MAX_DRAIN_SECONDS } from '../../../lib';

const ID = '123456789012';
const LB = `arn:aws:elasticloadbalancing:us-east-1:${ID}:loadbalancer/app/orders/50dc6c495c0c9188`;
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2`;
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
  routes: [{ ruleArn: RULE }],
};

const forward = (blue: number, green: number, stickiness?: number): Action[] => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: blue },
        { TargetGroupArn: GREEN, Weight: green },
      ],
      ...(stickiness ? { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: stickiness } } : {}),
    },
  },
];

function routesAre(listener: Action[], rule: Action[], delaySeconds = 30) {
  elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER] }).resolves({
    Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB, DefaultActions: listener }],
  });
  elb.on(DescribeListenersCommand, { LoadBalancerArn: LB }).resolves({
    Listeners: [{ ListenerArn: LISTENER, LoadBalancerArn: LB, DefaultActions: listener }],
  });
  elb.on(DescribeRulesCommand, { RuleArns: [RULE] }).resolves({
    Rules: [{ RuleArn: RULE, Priority: '10', IsDefault: false, Actions: rule }],
  });
  elb.on(DescribeRulesCommand, { ListenerArn: LISTENER }).resolves({
    Rules: [{ RuleArn: RULE, Priority: '10', IsDefault: false, Actions: rule }],
  });
  elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
  elb.on(DescribeTargetGroupAttributesCommand).resolves({
    Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: String(delaySeconds) }],
  });
}

const router = () => new AlbListenerRouter(client, TRAFFIC);
/** The stickiness of each write to the listener (or, with `rule`, to the rule), in order. */
const stickinessWritten = (command: 'listener' | 'rule') =>
  elb
    .calls()
    .map((call) => call.args[0].input as { DefaultActions?: Action[]; Actions?: Action[] })
    .flatMap((input) => ((command === 'listener' ? input.DefaultActions : input.Actions) ?? []).slice(0, 1))
    .map((action) => action.ForwardConfig?.TargetGroupStickinessConfig);

beforeEach(() => {
  elb.reset();
  elb.on(ModifyListenerCommand).resolves({});
  elb.on(ModifyRuleCommand).resolves({});
});

describe('ALB stickiness and the drain', () => {
  it('waits at most as long as the state machine timeout allows', () => {
    expect(MAX_DRAIN_SECONDS).toBe(CONSTRUCT_MAX_DRAIN_SECONDS);
  });

  it('drains for the longest stickiness of the switched routes when it outlasts the deregistration delay', async () => {
    routesAre(forward(100, 0), forward(100, 0, 900));
    const r = router();
    await r.read();
    expect(await r.drainSeconds('blue')).toBe(900);
    expect(r.words.drainSource(BLUE)).toBe(
      `the longer of deregistration_delay.timeout_seconds of ${BLUE} and the 900 s target-group stickiness of rule ${RULE} (traffic.routes[0].ruleArn), whose clients stay on that side until their cookie expires`,
    );
  });

  it('drains for the deregistration delay when it is longer, or when nothing is sticky', async () => {
    routesAre(forward(100, 0, 10), forward(100, 0), 30);
    expect(await router().drainSeconds('blue')).toBe(30);
    elb.reset();
    routesAre(forward(100, 0), forward(100, 0), 30);
    const r = router();
    expect(await r.drainSeconds('blue')).toBe(30);
    expect(r.words.drainSource(BLUE)).toBe(`deregistration_delay.timeout_seconds of ${BLUE}`);
  });

  it('refuses a cutover whose stickiness outlasts the longest drain, naming the route, but not a rollback', async () => {
    routesAre(forward(100, 0), forward(100, 0, MAX_DRAIN_SECONDS + 1));
    const error = await router()
      .inspect({ action: 'cutover' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CutoverFailed);
    expect((error as CutoverFailed).details).toMatchObject({ field: 'traffic.routes[0].ruleArn' });
    expect((error as CutoverFailed).details.message).toMatch(
      new RegExp(
        `^rule ${RULE} \\(traffic\\.routes\\[0\\]\\.ruleArn\\) has target-group stickiness of 3601 s`,
      ),
    );
    // A rollback turns stickiness off, so it may go ahead.
    await expect(router().inspect({ action: 'rollback' })).resolves.toMatchObject({ live: 'blue' });
  });
});

describe('ALB stickiness and a restore', () => {
  it('keeps stickiness as read on a normal switch, and answers no note', async () => {
    routesAre(forward(100, 0, 60), forward(100, 0, 900));
    expect(await router().write('green')).toBeUndefined();
    expect(stickinessWritten('listener')).toEqual([{ Enabled: true, DurationSeconds: 60 }]);
    expect(stickinessWritten('rule')).toEqual([{ Enabled: true, DurationSeconds: 900 }]);
  });

  it('turns stickiness off on every sticky route, names them, and then drains for the delay alone', async () => {
    routesAre(forward(0, 100, 60), forward(0, 100, 900));
    const r = router();
    const note = await r.write('blue', 100, { restore: true });
    expect(stickinessWritten('listener')).toEqual([{ Enabled: false, DurationSeconds: 60 }]);
    expect(stickinessWritten('rule')).toEqual([{ Enabled: false, DurationSeconds: 900 }]);
    expect(note).toBe(
      `target-group stickiness was turned off on rule ${RULE} (traffic.routes[0].ruleArn) (900 s), listener ${LISTENER} (60 s) so that sticky clients came back to blue at once; turn it back on (Enabled: true) on those routes when you want it again`,
    );
    expect(await r.drainSeconds('green')).toBe(30);
  });
});
