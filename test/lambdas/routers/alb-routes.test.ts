import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AlbTraffic, crossFieldViolation } from '../../../lambdas/shared/contract';
import { readRouter, unconfiguredRoutes } from '../../../lambdas/shared/routers/alb-listener/forward';
import {
  furtherRoutes,
  labelOf,
  leftApartMessage,
  loadBalancerOf,
  mainRoute,
  putBackPlan,
  type RouteState,
  requireAgreement,
  switchPlan,
} from '../../../lambdas/shared/routers/alb-listener/routes';
import { thrown } from '../../support/errors';

const ID = '123456789012';
const LB = `arn:aws:elasticloadbalancing:us-east-1:${ID}:loadbalancer/app/orders/50dc6c495c0c9188`;
const LISTENER = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const HTTP = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener/app/orders/50dc6c495c0c9188/0a1b2c3d4e5f6a7b`;
const RULE = `arn:aws:elasticloadbalancing:us-east-1:${ID}:listener-rule/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const BLUE = `arn:aws:elasticloadbalancing:us-east-1:${ID}:targetgroup/orders-blue/73e2d6bc24d8a067`;
const GREEN = `arn:aws:elasticloadbalancing:us-east-1:${ID}:targetgroup/orders-green/09a6c3f2a6f6e7b1`;

const traffic: AlbTraffic = {
  type: 'alb-listener',
  listenerArn: LISTENER,
  blueTargetGroupArn: BLUE,
  greenTargetGroupArn: GREEN,
  routes: [{ listenerArn: HTTP }, { ruleArn: RULE }],
};
const [httpRoute, ruleRoute] = furtherRoutes(traffic) as [
  ReturnType<typeof mainRoute>,
  ReturnType<typeof mainRoute>,
];

const weighted = (blue: number, green: number, sticky = false): Action[] => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: blue },
        { TargetGroupArn: GREEN, Weight: green },
      ],
      ...(sticky ? { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 } } : {}),
    },
  },
];
const plain = (arn: string): Action[] => [{ Type: 'forward', TargetGroupArn: arn }];

function stateOf(route: ReturnType<typeof mainRoute>, actions: Action[], allowSplit = false): RouteState {
  return { route, actions, read: readRouter(traffic, actions, { allowSplit }, labelOf(route)) };
}

describe('ALB routes: the configured routes', () => {
  it('names each route by its config key', () => {
    expect(furtherRoutes(traffic)).toEqual([
      { kind: 'listener', arn: HTTP, field: 'traffic.routes[0].listenerArn' },
      { kind: 'rule', arn: RULE, field: 'traffic.routes[1].ruleArn' },
    ]);
    expect(labelOf(mainRoute(traffic)).name).toBe(`listener ${LISTENER}`);
    expect(labelOf(ruleRoute).name).toBe(`rule ${RULE} (traffic.routes[1].ruleArn)`);
  });

  it('finds the load balancer of a listener and of a rule from their ARNs', () => {
    expect(loadBalancerOf(HTTP)).toBe(LB);
    expect(loadBalancerOf(RULE)).toBe(LB);
  });

  it('refuses a configured rule that does not forward, naming it and what it does', () => {
    const message = thrown(() =>
      stateOf(ruleRoute, [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }]),
    ).details.message;
    expect(message).toBe(
      `rule ${RULE} (traffic.routes[1].ruleArn) must have one forward action listing the blue and green target groups; it has: fixed-response`,
    );
  });

  it('refuses a configured HTTP listener that redirects instead of forwarding', () => {
    const message = thrown(() =>
      stateOf(httpRoute, [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', StatusCode: 'HTTP_301' } },
      ]),
    ).details.message;
    expect(message).toMatch(
      /traffic\.routes\[0\]\.listenerArn\) must have one forward default action.*redirect/,
    );
  });
});

describe('ALB routes: agreement', () => {
  const main = stateOf(mainRoute(traffic), weighted(100, 0));

  it('accepts routes that hold the same as the listener, whatever the shape of their forward', () => {
    expect(() =>
      requireAgreement(main, [
        stateOf(httpRoute, weighted(1, 0)),
        stateOf(ruleRoute, weighted(100, 0, true)),
      ]),
    ).not.toThrow();
    const unattached = stateOf(mainRoute(traffic), plain(BLUE));
    expect(() => requireAgreement(unattached, [stateOf(ruleRoute, plain(BLUE))])).not.toThrow();
  });

  it('refuses a route on the other side, naming it and what it holds', () => {
    const message = thrown(() =>
      requireAgreement(main, [stateOf(httpRoute, weighted(100, 0)), stateOf(ruleRoute, plain(GREEN))]),
    ).details.message;
    expect(message).toBe(
      `the routes switched together disagree: listener ${LISTENER} holds all traffic on blue, green attached at weight 0, but rule ${RULE} (traffic.routes[1].ruleArn) holds all traffic on green, blue not attached; set that route back by hand to match the listener, then retry`,
    );
  });

  it('refuses a route where the idle side is not attached while the listener has it attached', () => {
    expect(() => requireAgreement(main, [stateOf(httpRoute, plain(BLUE))])).toThrow(/not attached/);
  });

  it('accepts a shift step held on every route, refuses a route at another step', () => {
    const split = stateOf(mainRoute(traffic), weighted(90, 10), true);
    expect(() => requireAgreement(split, [stateOf(ruleRoute, weighted(90, 10), true)])).not.toThrow();
    expect(
      thrown(() => requireAgreement(split, [stateOf(ruleRoute, weighted(50, 50), true)])).details.message,
    ).toMatch(/holds a split of blue=90%, green=10%, but rule .* holds a split of blue=50%, green=50%/);
  });
});

describe('ALB routes: the write and the put-back', () => {
  const oidc: Action = {
    Type: 'authenticate-oidc',
    Order: 1,
    AuthenticateOidcConfig: {
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/authorize',
      TokenEndpoint: 'https://idp.example.com/token',
      UserInfoEndpoint: 'https://idp.example.com/userinfo',
      ClientId: 'orders',
    },
  };
  const states = [
    stateOf(mainRoute(traffic), weighted(100, 0)),
    stateOf(httpRoute, weighted(100, 0)),
    stateOf(ruleRoute, [oidc, { ...weighted(100, 0, true)[0]!, Order: 2 }]),
  ];

  it('writes the further routes in the order configured and the listener last', () => {
    const plan = switchPlan(states, { [BLUE]: 0, [GREEN]: 100 });
    expect(plan.map((w) => w.route.field)).toEqual([
      'traffic.routes[0].listenerArn',
      'traffic.routes[1].ruleArn',
      'traffic.listenerArn',
    ]);
    const rule = plan[1]!.actions;
    expect(rule[0]?.AuthenticateOidcConfig).toMatchObject({ UseExistingClientSecret: true });
    expect(rule[1]?.ForwardConfig).toEqual({
      TargetGroups: [
        { TargetGroupArn: BLUE, Weight: 0 },
        { TargetGroupArn: GREEN, Weight: 100 },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
    });
  });

  it('puts back the routes already written, newest first, each as read', () => {
    const [, http, rule] = states as [RouteState, RouteState, RouteState];
    const plan = putBackPlan([http, rule]);
    expect(plan.map((w) => w.route.field)).toEqual([
      'traffic.routes[1].ruleArn',
      'traffic.routes[0].listenerArn',
    ]);
    expect(plan[1]!.actions).toEqual(http.actions);
    // The OIDC action keeps its secret; the forward is the one read, stickiness and all.
    expect(plan[0]!.actions).toEqual([
      { ...oidc, AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true } },
      { ...weighted(100, 0, true)[0]!, Order: 2 },
    ]);
  });

  it('puts back the route whose write may have landed too, first', () => {
    const [main, http] = states as [RouteState, RouteState];
    expect(putBackPlan([http], main).map((w) => w.route.field)).toEqual([
      'traffic.listenerArn',
      'traffic.routes[0].listenerArn',
    ]);
  });

  it('says which route is left where when a put-back fails', () => {
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });
    const refused = Object.assign(new Error('bad rule'), { name: 'ValidationError' });
    const message = leftApartMessage(
      { route: ruleRoute, error: refused },
      'blue=0, green=100',
      [],
      [{ route: httpRoute, error: denied }],
      states[0]!.read,
    );
    expect(message).toBe(
      `writing rule ${RULE} (traffic.routes[1].ruleArn) failed (ValidationError: bad rule) and the routes written before it could not all be put back: listener ${HTTP} (traffic.routes[0].listenerArn) is left on the new weights (blue=0, green=100); putting it back failed (AccessDenied: not authorized). Set it back by hand to all traffic on blue, green attached at weight 0 (as read), then retry`,
    );
  });
});

describe('ALB routes: other routes to the groups', () => {
  it('treats the configured routes as ours, and any other route to a group as foreign', () => {
    const routes = [
      { kind: 'listener' as const, arn: LISTENER, description: 'https', targetGroupArns: [BLUE] },
      { kind: 'listener' as const, arn: HTTP, description: 'http', targetGroupArns: [BLUE] },
      { kind: 'rule' as const, arn: RULE, description: 'api', targetGroupArns: [BLUE, GREEN] },
      { kind: 'rule' as const, arn: `${RULE}0`, description: 'admin', targetGroupArns: [GREEN] },
      // A rule ARN configured as a listener would not make the listener of the same ARN ours.
      { kind: 'listener' as const, arn: RULE, description: 'odd', targetGroupArns: [GREEN] },
    ];
    expect(unconfiguredRoutes(traffic, routes).map((r) => r.description)).toEqual(['admin', 'odd']);
  });
});

describe('ALB routes: refused at synth', () => {
  const config = (routes: AlbTraffic['routes']) => ({ traffic: { ...traffic, routes } });

  it('refuses a route listed twice, naming the second entry and the first', () => {
    expect(
      crossFieldViolation(config([{ ruleArn: RULE }, { listenerArn: HTTP }, { ruleArn: RULE }])),
    ).toEqual({
      field: 'traffic.routes[2].ruleArn',
      value: RULE,
      kind: 'same-as',
      other: 'traffic.routes[0].ruleArn',
    });
  });

  it('refuses the listener itself listed in routes', () => {
    expect(crossFieldViolation(config([{ listenerArn: LISTENER }]))).toMatchObject({
      field: 'traffic.routes[0].listenerArn',
      other: 'traffic.listenerArn',
    });
  });

  it('accepts distinct routes', () => {
    expect(crossFieldViolation(config([{ listenerArn: HTTP }, { ruleArn: RULE }]))).toBeUndefined();
  });
});
