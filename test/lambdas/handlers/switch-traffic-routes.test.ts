import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { CutoverFailed } from '../../../lambdas/shared/contract';
import { handler } from '../../../lambdas/switch-traffic';
import {
  awsError,
  BLUE_TG,
  cutoverState,
  fenceOf,
  GREEN_TG,
  LISTENER_ARN,
  LOAD_BALANCER_ARN,
  quietLogs,
  rejected,
  rejectedWith,
  stepEvent,
  useConfig,
  weightedForward,
} from './support';
import {
  deregistrationDelayIs,
  fakeClockEachTest,
  leaseIs,
  mockAws,
  routerOn,
  targetsOfEveryGroup,
} from './support-mocks';

/** SwitchTraffic with `traffic.routes`: an HTTP:80 listener and a `/api/*` rule switched with the listener. */
const HTTP = LISTENER_ARN.replace(/[0-9a-f]{16}$/, '0a1b2c3d4e5f6a7b');
const RULE = `${LISTENER_ARN.replace(':listener/', ':listener-rule/')}/9683b2d02a6cabee`;

useConfig({
  traffic: {
    type: 'alb-listener',
    listenerArn: LISTENER_ARN,
    blueTargetGroupArn: BLUE_TG,
    greenTargetGroupArn: GREEN_TG,
    routes: [{ listenerArn: HTTP }, { ruleArn: RULE }],
  },
});

const { elb, ddb } = mockAws('elb', 'ddb');

fakeClockEachTest(Date.parse('2026-11-27T12:05:00.000Z'), { realQueues: true });
beforeEach(() => {
  quietLogs('log');
  routerOn(elb, 'blue');
  elb.on(DescribeListenersCommand, { ListenerArns: [HTTP] }).resolves({
    Listeners: [
      { ListenerArn: HTTP, LoadBalancerArn: LOAD_BALANCER_ARN, DefaultActions: weightedForward(100, 0) },
    ],
  });
  elb.on(DescribeRulesCommand, { RuleArns: [RULE] }).resolves({
    Rules: [{ RuleArn: RULE, Priority: '10', IsDefault: false, Actions: weightedForward(100, 0) }],
  });
  targetsOfEveryGroup(elb, 'healthy', 'healthy');
  deregistrationDelayIs(elb, 45);
  elb.on(ModifyListenerCommand).resolves({});
  elb.on(ModifyRuleCommand).resolves({});
  leaseIs(ddb);
  ddb.on(UpdateCommand).resolves({});
});

describe('SwitchTraffic with ALB routes', () => {
  it('switches the HTTP listener, the rule and the listener, in that order', async () => {
    await handler(stepEvent(cutoverState()));
    const [http, main] = elb.commandCalls(ModifyListenerCommand);
    const [rule] = elb.commandCalls(ModifyRuleCommand);
    expect(http?.args[0].input.ListenerArn).toBe(HTTP);
    expect(main?.args[0].input.ListenerArn).toBe(LISTENER_ARN);
    expect(http?.calledBefore(rule!)).toBe(true);
    expect(rule?.calledBefore(main!)).toBe(true);
  });

  it('puts the HTTP listener back and fails with CutoverFailed, traffic not moved, when the rule refuses', async () => {
    elb.on(ModifyRuleCommand).rejects(awsError('ValidationError', 'the rule refused', 400));

    const error = await rejected(handler(stepEvent(cutoverState())));

    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toContain(
      'the listener refused the switch (ValidationError: the rule refused); traffic was not moved',
    );
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 2);
    expect(elb.commandCalls(ModifyListenerCommand).at(-1)?.args[0].input).toEqual({
      ListenerArn: HTTP,
      DefaultActions: weightedForward(100, 0),
    });
    expect(elb).not.toHaveReceivedCommandWith(ModifyListenerCommand, { ListenerArn: LISTENER_ARN });
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  it('fails with SwitchIncomplete (so the state machine rolls back) when the put-back fails too', async () => {
    elb.on(ModifyRuleCommand).rejects(awsError('ValidationError', 'the rule refused', 400));
    elb
      .on(ModifyListenerCommand, { ListenerArn: HTTP })
      .resolvesOnce({})
      .rejects(awsError('AccessDenied', 'not authorized', 403));

    const error = await rejectedWith(handler(stepEvent(cutoverState())));

    expect(error).toMatchObject({ name: 'SwitchIncomplete' });
    expect((error as Error).message).toContain(
      `RoutesLeftApart: writing rule ${RULE} (traffic.routes[1].ruleArn) failed (ValidationError: the rule refused)`,
    );
    expect((error as Error).message).toContain(
      `listener ${HTTP} (traffic.routes[0].listenerArn) is left on the new weights (blue=0, green=100)`,
    );
  });
});
