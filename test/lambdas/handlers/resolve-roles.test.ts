import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  type Listener,
  ModifyListenerCommand,
  type Rule,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/resolve-roles';
import type { Color, ReleaseRecord } from '../../../lambdas/shared/contract';
import {
  type BlueGreenError,
  CutoverFailed,
  NothingToRollBack,
  RouterStateUnknown,
} from '../../../lambdas/shared/contract';
import {
  BLUE_TG,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  LEASE_KEY,
  LISTENER_ARN,
  LOAD_BALANCER_ARN,
  listenerWith,
  quietLogs,
  rejected,
  releaseItem,
  rollbackState,
  stepEvent,
  useConfig,
  weightedForward,
} from './support';
import {
  deregistrationDelayIs,
  fakeClockEachTest,
  leaseLost,
  mockAws,
  targetsOfEveryGroup,
} from './support-mocks';

useConfig();

const { elb, ddb } = mockAws('elb', 'ddb');

const NOW = Date.parse('2026-11-27T12:00:05.000Z');
const HTTP_LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/50dc6c495c0c9188/0a1b2c3d4e5f6a7b';
const RULE_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const ADMIN_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/admin/1b2c3d4e5f6a7b8c';
const RELEASE_KEY = 'release#2026-11-27T12:00:00.000Z#release-1';
const ROLLBACK_KEY = 'release#2026-11-27T13:00:00.000Z#rollback-1';

/** The router as DescribeListeners shows it, for the configured listener and for the load balancer's list. */
function routerIs(actions: Action[], others: Listener[] = []): void {
  const ours = listenerWith(actions);
  elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER_ARN] }).resolves({ Listeners: [ours] });
  elb
    .on(DescribeListenersCommand, { LoadBalancerArn: LOAD_BALANCER_ARN })
    .resolves({ Listeners: [ours, ...others] });
}

function rulesOf(listenerArn: string, rules: Rule[]): void {
  elb.on(DescribeRulesCommand, { ListenerArn: listenerArn }).resolves({ Rules: rules });
}

function historyIs(...records: ReleaseRecord[]): void {
  ddb.on(QueryCommand).resolves({ Items: records.map(releaseItem) });
}

/** `seconds` before the test's clock, as the history stores times. */
function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString();
}

function cutover(record: Partial<ReleaseRecord> & Pick<ReleaseRecord, 'key' | 'from' | 'to'>): ReleaseRecord {
  return {
    kind: 'cutover',
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:${record.key}`,
    version: 'v1',
    schemaChange: 'none',
    outcome: 'succeeded',
    startedAt: '2026-11-20T12:00:00.000Z',
    ...record,
  };
}

const { roles: _resolvedRoles, ...unresolved } = cutoverState();
const cutoverEvent = stepEvent(unresolved);
const rollbackEvent = (force = false) => {
  const { roles: _roles, ...state } = rollbackState();
  return stepEvent({ ...state, request: { action: 'rollback', dryRun: false, force } });
};

fakeClockEachTest(NOW, { realQueues: true });
beforeEach(() => {
  quietLogs('log');
  routerIs(weightedForward(100, 0));
  elb.on(DescribeRulesCommand).resolves({ Rules: [{ IsDefault: true, RuleArn: `${LISTENER_ARN}-default` }] });
  targetsOfEveryGroup(elb, 'healthy', 'healthy');
  deregistrationDelayIs(elb, 300);
  historyIs();
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('ResolveRoles reads the live side from the router', () => {
  it('takes a plain forward to blue as blue live and green idle, not yet health-checked', async () => {
    // Prepare
    routerIs([{ Type: 'forward', TargetGroupArn: BLUE_TG }]);

    // Act
    const state = await handler(cutoverEvent);

    // Assess
    expect(state.roles).toEqual({
      live: 'blue',
      idle: 'green',
      liveTargetGroupArn: BLUE_TG,
      idleTargetGroupArn: GREEN_TG,
      idleAttached: false,
      loadBalancerArn: LOAD_BALANCER_ARN,
      releaseKey: RELEASE_KEY,
      warnings: [],
    });
  });

  it('takes weights 0/100 as green live with blue already attached at weight 0', async () => {
    // Prepare
    routerIs(weightedForward(0, 100));

    // Act
    const state = await handler(cutoverEvent);

    // Assess
    expect(state.roles).toMatchObject({
      live: 'green',
      idle: 'blue',
      liveTargetGroupArn: GREEN_TG,
      idleTargetGroupArn: BLUE_TG,
      idleAttached: true,
    });
  });

  it('opens the release record and names it on the lease, without touching the listener', async () => {
    // Act
    await handler(cutoverEvent);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: {
        pk: 'service#orders-api',
        sk: RELEASE_KEY,
        kind: 'cutover',
        executionArn: EXECUTION_ARN,
        version: 'v2',
        from: 'blue',
        to: 'green',
        schemaChange: 'none',
        outcome: 'in-progress',
        startedAt: '2026-11-27T12:00:00.000Z',
      },
      ConditionExpression: 'attribute_not_exists(sk)',
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: LEASE_KEY,
      ConditionExpression: '#owner = :me AND expiresAt > :now',
      ExpressionAttributeValues: expect.objectContaining({
        ':me': EXECUTION_ARN,
        ':releaseKey': RELEASE_KEY,
      }),
    });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('records the version the live side runs, so a rollback that joins the cutover can say what is live again', async () => {
    // Prepare: blue runs v1 (the release after it was rolled back; v0.9 ran on blue before it)
    historyIs(
      cutover({
        key: 'release#2026-11-26T12:00:00.000Z#release-2',
        from: 'blue',
        to: 'green',
        version: 'v1.1',
        outcome: 'rolled-back',
        switchedAt: ago(7200),
        rolledBackAt: ago(7000),
      }),
      cutover({
        key: 'release#2026-11-25T12:00:00.000Z#release-1',
        from: 'green',
        to: 'blue',
        version: 'v1',
      }),
      cutover({
        key: 'release#2026-11-24T12:00:00.000Z#release-0',
        from: 'blue',
        to: 'green',
        version: 'v0',
      }),
      cutover({
        key: 'release#2026-11-23T12:00:00.000Z#release-00',
        from: 'green',
        to: 'blue',
        version: 'v0.9',
      }),
    );

    // Act
    await handler(cutoverEvent);

    // Assess
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sk: RELEASE_KEY, version: 'v2', previousVersion: 'v1' }),
    });
  });

  it('fails with CutoverFailed and closes its record when it lost the lease meanwhile', async () => {
    // Prepare
    leaseLost(ddb);

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.name).toBe('CutoverFailed');
    expect(error.details.message).toContain('no longer holds the lease');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'service#orders-api', sk: RELEASE_KEY },
      ExpressionAttributeValues: expect.objectContaining({
        ':outcome': 'failed',
        ':finishedAt': new Date(NOW).toISOString(),
        ':error': 'CutoverFailed',
      }),
    });
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('records nothing for a dry run', async () => {
    // Prepare
    const event = stepEvent({
      ...unresolved,
      request: { action: 'cutover', version: 'v2', dryRun: true, schemaChange: 'none' },
    });

    // Act
    const state = await handler(event);

    // Assess
    expect(state.roles).toMatchObject({ live: 'blue', idle: 'green' });
    expect(state.roles?.releaseKey).toBeUndefined();
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });
});

describe('ResolveRoles refuses a router it did not make', () => {
  const unknownRouters: Array<[string, Action[], RegExp]> = [
    [
      'splits traffic 50/50',
      weightedForward(50, 50),
      /splits traffic between both sides \(blue=50, green=50\)/,
    ],
    ['sends traffic nowhere (0/0)', weightedForward(0, 0), /sends traffic to neither side/],
    [
      'forwards to a group that is neither blue nor green',
      [{ Type: 'forward', TargetGroupArn: ADMIN_TG }],
      new RegExp(`forwards to target group ${ADMIN_TG}`),
    ],
    ['answers with a fixed response', [{ Type: 'fixed-response' }], /it has: fixed-response/],
  ];

  it.each(unknownRouters)(
    'with RouterStateUnknown when the listener %s, and records nothing',
    async (_case, actions, message) => {
      // Prepare
      routerIs(actions);

      // Act
      const error = await rejected(handler(cutoverEvent));

      // Assess
      expect(error).toBeInstanceOf(RouterStateUnknown);
      expect(error.name).toBe('RouterStateUnknown');
      expect(error.details.message).toMatch(message);
      expect(ddb).not.toHaveReceivedCommand(PutCommand);
    },
  );

  it('names another listener of the load balancer that forwards to green', async () => {
    // Prepare
    const http = listenerWith([{ Type: 'forward', TargetGroupArn: GREEN_TG }], {
      ListenerArn: HTTP_LISTENER_ARN,
      Protocol: 'HTTP',
      Port: 80,
    });
    routerIs(weightedForward(100, 0), [http]);

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain(`the default action of listener HTTP:80 (${HTTP_LISTENER_ARN})`);
    expect(error.details.message).toContain('also forwards to the blue or green target group');
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('names a rule of the configured listener that forwards to blue', async () => {
    // Prepare
    rulesOf(LISTENER_ARN, [
      { RuleArn: RULE_ARN, Priority: '10', IsDefault: false, Actions: weightedForward(100, null) },
      { RuleArn: `${LISTENER_ARN}-default`, IsDefault: true, Actions: weightedForward(100, 0) },
    ]);

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain(`rule 10 of listener HTTPS:443 (${RULE_ARN})`);
    expect(error.details.message).not.toContain('default action');
  });

  it('leaves alone other routes that forward to groups of other services', async () => {
    // Prepare
    const http = listenerWith([{ Type: 'redirect' }], { ListenerArn: HTTP_LISTENER_ARN, Port: 80 });
    routerIs(weightedForward(100, 0), [http]);
    rulesOf(LISTENER_ARN, [
      {
        RuleArn: RULE_ARN,
        Priority: '10',
        IsDefault: false,
        Actions: [{ Type: 'forward', TargetGroupArn: ADMIN_TG }],
      },
    ]);

    // Act
    const state = await handler(cutoverEvent);

    // Assess
    expect(state.roles?.live).toBe('blue');
    expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { ListenerArn: HTTP_LISTENER_ARN });
  });

  it('refuses a configured target group that does not exist, naming it', async () => {
    // Prepare
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
      .rejects(
        new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
      );

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain(`target group ${GREEN_TG} was not found`);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });
});

describe('ResolveRoles for a rollback', () => {
  const toGreen = cutover({
    key: RELEASE_KEY,
    from: 'blue',
    to: 'green',
    version: 'v2',
    switchedAt: ago(3600),
    startedAt: '2026-11-27T12:00:00.000Z',
  });
  const toBlue = cutover({ key: 'release#2026-11-20T12:00:00.000Z#release-0', from: 'green', to: 'blue' });

  beforeEach(() => {
    routerIs(weightedForward(0, 100));
  });

  it('goes back to the side the last successful release left, with the version it ran', async () => {
    // Prepare
    historyIs(toGreen, toBlue);

    // Act
    const state = await handler(rollbackEvent());

    // Assess
    expect(state.roles).toEqual({
      live: 'green',
      idle: 'blue',
      liveTargetGroupArn: GREEN_TG,
      idleTargetGroupArn: BLUE_TG,
      idleAttached: true,
      loadBalancerArn: LOAD_BALANCER_ARN,
      releaseKey: ROLLBACK_KEY,
      idleVersion: 'v1',
      undoes: RELEASE_KEY,
      warnings: [],
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        sk: ROLLBACK_KEY,
        kind: 'rollback',
        version: 'v1',
        from: 'green',
        to: 'blue',
        undoes: RELEASE_KEY,
        outcome: 'in-progress',
      }),
    });
  });

  it('is not held back by the drain guard: it goes back to the side traffic just left', async () => {
    // Prepare
    historyIs({ ...toGreen, switchedAt: ago(10) }, toBlue);

    // Act
    const state = await handler(rollbackEvent());

    // Assess
    expect(state.roles?.idle).toBe('blue');
    expect(elb).not.toHaveReceivedCommand(DescribeTargetGroupAttributesCommand);
  });

  it.each([
    ['the history is empty', [], /no successful release to green is in the history/],
    [
      'the last release to green failed and none before it succeeded',
      [{ ...toGreen, outcome: 'failed' as const }],
      /no successful release to green/,
    ],
    [
      'a release aimed at blue was rolled back since',
      [
        cutover({
          key: 'release#2026-11-27T12:30:00.000Z#release-2',
          from: 'green',
          to: 'blue',
          version: 'v3',
          outcome: 'rolled-back',
        }),
        toGreen,
        toBlue,
      ],
      /blue is no longer known good: cutover "v3" \(green -> blue, rolled-back/,
    ],
    [
      'the release to green contracted the schema',
      [{ ...toGreen, schemaChange: 'contract' as const }, toBlue],
      /release "v2" to green contracted the shared database schema/,
    ],
  ])('refuses with NothingToRollBack when %s, and records nothing', async (_case, records, message) => {
    // Prepare
    historyIs(...records);

    // Act
    const error = await rejected(handler(rollbackEvent()));

    // Assess
    expect(error).toBeInstanceOf(NothingToRollBack);
    expect(error.details.message).toMatch(message);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('goes past a contract release when forced, and says so', async () => {
    // Prepare
    historyIs({ ...toGreen, schemaChange: 'contract' }, toBlue);

    // Act
    const state = await handler(rollbackEvent(true));

    // Assess
    expect(state.roles?.idle).toBe('blue');
    expect(state.roles?.warnings).toEqual(['forced past the contract schema change of release "v2"']);
  });
});

describe('ResolveRoles refuses to deploy to a side that is still draining', () => {
  /** A release of two minutes before the test's clock that moved traffic from `from` to `to` `secondsAgo`. */
  function switchedAgo(
    secondsAgo: number,
    from: Color,
    to: Color,
    extra: Partial<ReleaseRecord> = {},
  ): ReleaseRecord {
    return cutover({
      key: 'release#2026-11-27T11:58:00.000Z#release-0',
      from,
      to,
      switchedAt: ago(secondsAgo),
      ...extra,
    });
  }

  /** The refusal says when `side` stopped receiving traffic and when to retry, `retryIn` seconds from now. */
  function expectStillDraining(
    error: BlueGreenError,
    side: Color,
    secondsAgo: number,
    retryIn: number,
  ): void {
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toContain(`${side} stopped receiving traffic ${secondsAgo} s ago`);
    expect(error.details.message).toContain(`retry after ${new Date(NOW + retryIn * 1000).toISOString()}`);
  }

  it('refuses a side that left traffic within its delay with CutoverFailed and the retry time', async () => {
    // Prepare: green handed traffic to blue 100 s ago; green's requests may take 300 s
    historyIs(switchedAgo(100, 'green', 'blue'));

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expectStillDraining(error, 'green', 100, 200);
    expect(error.details.message).toContain(`deregistration_delay.timeout_seconds of ${GREEN_TG}`);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupAttributesCommand, { TargetGroupArn: GREEN_TG });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('counts the time traffic came back from a rolled-back release', async () => {
    // Prepare: blue -> green was rolled back 20 s ago, so green served requests until then
    historyIs(
      cutover({
        key: 'release#2026-11-27T11:50:00.000Z#release-0',
        from: 'blue',
        to: 'green',
        outcome: 'rolled-back',
        switchedAt: ago(600),
        rolledBackAt: ago(20),
      }),
    );

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expectStillDraining(error, 'green', 20, 280);
  });

  it('counts the switch of a release whose rollback failed: traffic left that side all the same', async () => {
    // Prepare: blue -> green switched 100 s ago and its rollback failed, so green is live;
    // blue's requests may take 300 s
    routerIs(weightedForward(0, 100));
    historyIs(switchedAgo(100, 'blue', 'green', { outcome: 'rollback-failed' }));

    // Act
    const error = await rejected(handler(cutoverEvent));

    // Assess
    expectStillDraining(error, 'blue', 100, 200);
    expect(error.details.message).toContain(`deregistration_delay.timeout_seconds of ${BLUE_TG}`);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it("sizes the wait by the idle group's own deregistration delay", async () => {
    // Prepare
    historyIs(switchedAgo(100, 'green', 'blue'));
    deregistrationDelayIs(elb, 60, GREEN_TG);

    // Act
    const state = await handler(cutoverEvent);

    // Assess
    expect(state.roles?.idle).toBe('green');
    expect(ddb).toHaveReceivedCommand(PutCommand);
  });
});
