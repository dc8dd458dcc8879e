import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RouterStateUnknown } from '../../lambdas/shared/contract';
import {
  readRouter,
  unconfiguredRoutes,
  weightsFor,
  withForwardWeights,
} from '../../lambdas/shared/routers/alb-listener/forward';
import { summarizeHealth } from '../../lambdas/shared/routers/alb-listener/targets';
import { thrown } from '../support/errors';

const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-blue/0123456789abcdef';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/fedcba9876543210';
const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/admin/aaaaaaaaaaaaaaaa';
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/0123456789abcdef/0123456789abcdef';
const config = {
  traffic: {
    type: 'alb-listener' as const,
    listenerArn: LISTENER,
    blueTargetGroupArn: BLUE,
    greenTargetGroupArn: GREEN,
  },
};
const weighted = (blue: number | null, green: number | null): Action[] => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        ...(blue === null ? [] : [{ TargetGroupArn: BLUE, Weight: blue }]),
        ...(green === null ? [] : [{ TargetGroupArn: GREEN, Weight: green }]),
      ],
    },
  },
];

describe('readRouter', () => {
  it('reads a plain forward as that side live, the other side not yet health-checked', () => {
    const read = readRouter(config.traffic, [{ Type: 'forward', TargetGroupArn: BLUE }]);
    expect(read).toEqual({ live: 'blue', idleAttached: false, weights: { blue: 100, green: null } });
  });

  it('reads a plain forward in the shape AWS describes it (a one-group ForwardConfig of weight 1) as 100', () => {
    const described: Action[] = [
      {
        Type: 'forward',
        TargetGroupArn: BLUE,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }] },
      },
    ];
    expect(readRouter(config.traffic, described)).toEqual({
      live: 'blue',
      idleAttached: false,
      weights: { blue: 100, green: null },
    });
  });

  it('reads weights 0/100 as green live with blue attached', () => {
    expect(readRouter(config.traffic, weighted(0, 100))).toMatchObject({
      live: 'green',
      idleAttached: true,
    });
  });

  it('refuses a split it did not make', () => {
    expect(thrown(() => readRouter(config.traffic, weighted(50, 50))).details.message).toMatch(
      /splits traffic between both sides/,
    );
  });

  it('refuses weights that send traffic nowhere', () => {
    expect(() => readRouter(config.traffic, weighted(0, 0))).toThrow(RouterStateUnknown);
  });

  it('refuses a forward to a group that is neither blue nor green, naming it', () => {
    const actions: Action[] = [
      { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: OTHER, Weight: 100 }] } },
    ];
    expect(thrown(() => readRouter(config.traffic, actions)).details.message).toContain(OTHER);
  });

  it('refuses a default action that is not a forward', () => {
    expect(thrown(() => readRouter(config.traffic, [{ Type: 'fixed-response' }])).details.message).toMatch(
      /fixed-response/,
    );
  });
});

describe('weights', () => {
  it('puts all traffic on the live side and keeps the other at weight 0', () => {
    expect(weightsFor(config.traffic, 'green')).toEqual({ [GREEN]: 100, [BLUE]: 0 });
  });

  it('keeps stickiness and authentication actions when rewriting the forward', () => {
    const actions: Action[] = [
      { Type: 'authenticate-oidc', Order: 1 },
      {
        Type: 'forward',
        Order: 2,
        TargetGroupArn: BLUE,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: BLUE }],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
        },
      },
    ];
    const out = withForwardWeights(actions, { [BLUE]: 0, [GREEN]: 100 });
    expect(out[0]).toEqual(actions[0]);
    expect(out[1]).toEqual({
      Type: 'forward',
      Order: 2,
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: BLUE, Weight: 0 },
          { TargetGroupArn: GREEN, Weight: 100 },
        ],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 60 },
      },
    });
  });
});

describe('authenticate actions', () => {
  const forward: Action = {
    Type: 'forward',
    ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 100 }] },
  };

  it('writes an OIDC action back with the secret the listener already has, since Describe never returns it', () => {
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
    const [written] = withForwardWeights([oidc, { ...forward, Order: 2 }], { [BLUE]: 0, [GREEN]: 100 });
    expect(written?.AuthenticateOidcConfig).toEqual({
      ...oidc.AuthenticateOidcConfig,
      UseExistingClientSecret: true,
    });
  });
});

describe('unconfiguredRoutes', () => {
  it('finds a rule of another listener that forwards to green', () => {
    const routes = [
      { kind: 'listener' as const, arn: LISTENER, description: 'ours', targetGroupArns: [BLUE] },
      { kind: 'rule' as const, arn: 'rule-1', description: 'rule 10', targetGroupArns: [GREEN] },
      { kind: 'rule' as const, arn: 'rule-2', description: 'admin', targetGroupArns: [OTHER] },
    ];
    expect(unconfiguredRoutes(config.traffic, routes).map((r) => r.arn)).toEqual(['rule-1']);
  });
});

describe('health', () => {
  it('counts a group with no registered targets as not healthy', () => {
    expect(summarizeHealth('green', []).healthy).toBe(false);
  });

  it('is healthy only when every target is healthy', () => {
    const targets = [
      { id: 'i-1', state: 'healthy' },
      { id: 'i-2', state: 'initial', reason: 'Elb.RegistrationInProgress' },
    ];
    const summary = summarizeHealth('green', targets);
    expect(summary).toMatchObject({ healthy: false, healthyCount: 1, total: 2 });
    expect(summary.summary).toContain('i-2 initial (Elb.RegistrationInProgress)');
  });

  it('treats an unhealthy target during the bake as a reason to roll back, scaling churn not', () => {
    expect(
      summarizeHealth('green', [
        { id: 'i-1', state: 'healthy' },
        { id: 'i-2', state: 'draining' },
      ]).servingProblem,
    ).toBeUndefined();
    expect(
      summarizeHealth('green', [
        { id: 'i-1', state: 'healthy' },
        { id: 'i-2', state: 'unhealthy' },
      ]).servingProblem,
    ).toMatch(/i-2 unhealthy/);
    expect(summarizeHealth('green', [{ id: 'i-1', state: 'draining' }]).servingProblem).toMatch(
      /no healthy target/,
    );
  });
});
