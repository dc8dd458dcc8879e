import { callerId, type SideWrite } from '../../local';
import {
  addRuleForwardingTo,
  describeRouteActions,
  describeRouteForward,
  editRouteByHand,
} from '../../local/fixtures';
import type { AlbTrafficFixture } from '../../local/offline/traffic';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * `traffic.routes`: the HTTPS listener, an HTTP:80 listener that forwards (instead of redirecting)
 * and a `/api/*` rule with stickiness, all to the same two groups, switched and restored together.
 */
const env = useOfflineEnvironment({
  service: 'alb-routes',
  albRoutes: true,
  bakeSeconds: 3,
  healthTimeoutSeconds: 10,
  initialMs: 500,
});

const ROUTES = ['listener', 'listener HTTP:80', 'rule /api/*'] as const;
const router = () => env.router as AlbTrafficFixture;
const onAll = (live: 'blue' | 'green') =>
  Object.fromEntries(
    ROUTES.map((r) => [r, live === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 }]),
  );
const writesSince = (count: number): SideWrite[] => env.router.writes().slice(count);
const switchTraffic = () => {
  const fn = env.workflow.wf.functions.find((f) => f.logicalId.startsWith('CutoverSwitchTrafficFunction'));
  if (!fn) throw new Error('no SwitchTraffic function in the stack');
  return callerId(fn);
};

describe('workflow: ALB routes switched together', () => {
  it('configures the HTTP:80 listener and the /api/* rule as traffic.routes', () => {
    expect(env.config.traffic).toMatchObject({
      routes: [{ listenerArn: env.fixture.redirectListenerArn }, { ruleArn: env.fixture.apiRuleArn }],
    });
  });

  it('cuts over every route to green, the listener written last, stickiness of the rule kept', async () => {
    const before = env.router.writes().length;
    const { outcome } = await env.run({ action: 'cutover', version: 'v2' });
    expect(output(outcome)).toMatchObject({ live: 'green', previous: 'blue' });
    expect(await router().routeWeights()).toEqual(onAll('green'));
    // Attach (green at 0 on each route), then the switch; in each, the listener comes last.
    expect(writesSince(before).map((w) => `${w.router} ${w.weights.blue}/${w.weights.green}`)).toEqual([
      'listener HTTP:80 100/0',
      'rule /api/* 100/0',
      'listener 100/0',
      'listener HTTP:80 0/100',
      'rule /api/* 0/100',
      'listener 0/100',
    ]);
    const [forward] = await describeRouteActions(env.moto.endpoint, { ruleArn: env.fixture.apiRuleArn! });
    expect(forward?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({
      Enabled: true,
      DurationSeconds: 2,
    });
  });

  it('rolls every route back from the console', async () => {
    const out = output((await env.run({ action: 'rollback', reason: 'p99 on /api' })).outcome);
    expect(out).toMatchObject({ action: 'rollback', live: 'blue' });
    expect(await router().routeWeights()).toEqual(onAll('blue'));
  });

  it('puts every route back when an alarm fires during the bake', async () => {
    const alarm = env.router.alarmNames[0]!;
    const execution = env.start({ action: 'cutover', version: 'v3' });
    await waitFor(async () => (await env.weights()).green === 100);
    // The listener is written last: once it is on green, every route is.
    expect(await router().routeWeights()).toEqual(onAll('green'));
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      const { error, cause } = failure(await execution.result);
      expect(error).toBe('RolledBack');
      expect(cause).toMatchObject({ alarm, live: 'blue' });
      expect(await router().routeWeights()).toEqual(onAll('blue'));
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
  });

  it('refuses a rule set by hand to green while the listener is on blue, touching nothing', async () => {
    const rule = { ruleArn: env.fixture.apiRuleArn! };
    const asRead = await describeRouteActions(env.moto.endpoint, rule);
    await editRouteByHand(env.moto.endpoint, rule, [
      { Type: 'forward', TargetGroupArn: env.targetGroupOf('green') },
    ]);
    const before = env.router.writes().length;
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v4' })).outcome);
      expect(error).toBe('RouterStateUnknown');
      expect(cause.message).toContain(
        `${env.fixture.apiRuleArn} (traffic.routes[1].ruleArn) holds all traffic on green`,
      );
      expect(writesSince(before)).toEqual([]);
      expect(await describeRouteForward(env.moto.endpoint, rule)).toEqual({
        [env.targetGroupOf('green')]: 100,
      });
    } finally {
      await editRouteByHand(env.moto.endpoint, rule, asRead);
    }
  });

  it('puts the routes already written back when a rule write is refused, and reports traffic not moved', async () => {
    const removeFault = env.aws.injectFault({
      service: 'elasticloadbalancing',
      operation: 'ModifyRule',
      caller: switchTraffic(),
      code: 'ValidationError',
      message: 'injected: the rule refused the write',
      times: 1,
    });
    const before = env.router.writes().length;
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v5' })).outcome);
      expect(error).toBe('CutoverFailed');
      expect(cause.message).toMatch(
        /refused the switch \(ValidationError: injected.*\); traffic was not moved/,
      );
      expect(cause.live).toBe('blue');
      // HTTP:80 was written, then put back as read; the refused rule and the listener never moved.
      expect(writesSince(before).map((w) => `${w.router} ${w.weights.blue}/${w.weights.green}`)).toEqual([
        'listener HTTP:80 0/100',
        'listener HTTP:80 100/0',
      ]);
      expect(await router().routeWeights()).toEqual(onAll('blue'));
    } finally {
      removeFault();
    }
    // Nothing is left half-switched: the next release goes through.
    output((await env.run({ action: 'cutover', version: 'v5-again' })).outcome);
    expect(await router().routeWeights()).toEqual(onAll('green'));
  });

  it('says which route is left where when putting back fails too, and ends RollbackFailed', async () => {
    const http = { listenerArn: env.fixture.redirectListenerArn };
    const asRead = await describeRouteActions(env.moto.endpoint, http);
    const faults: Array<() => void> = [
      env.aws.injectFault({
        service: 'elasticloadbalancing',
        operation: 'ModifyRule',
        caller: switchTraffic(),
        code: 'ValidationError',
        times: 1,
      }),
    ];
    // Once HTTP:80 has moved, its put-back is refused.
    const stop = env.aws.onRouterWrite((w) => {
      if (w.listenerArn !== http.listenerArn || !w.accepted) return;
      faults.push(
        env.aws.injectFault({
          service: 'elasticloadbalancing',
          operation: 'ModifyListener',
          caller: switchTraffic(),
          code: 'AccessDenied',
          message: 'injected: not authorized to perform: elasticloadbalancing:ModifyListener',
          status: 403,
          times: 1,
        }),
      );
      stop();
    });
    try {
      const { error, cause } = failure(
        (await env.run({ action: 'rollback', reason: 'put-back check' })).outcome,
      );
      expect(error).toBe('RollbackFailed');
      expect(cause.message).toContain(
        `listener ${http.listenerArn} (traffic.routes[0].listenerArn) is left on the new weights (blue=100, green=0)`,
      );
      expect(await router().routeWeights()).toEqual({
        ...onAll('green'),
        'listener HTTP:80': { blue: 100, green: 0 },
      });
    } finally {
      stop();
      for (const remove of faults) remove();
      await editRouteByHand(env.moto.endpoint, http, asRead);
    }
    expect(await router().routeWeights()).toEqual(onAll('green'));
  });

  it('still refuses a rule it was not configured with that forwards to a group', async () => {
    const ruleArn = await addRuleForwardingTo(
      env.moto.endpoint,
      env.fixture.listenerArn,
      env.targetGroupOf('blue'),
    );
    try {
      const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v6' })).outcome);
      expect(error).toBe('RouterStateUnknown');
      expect(cause.message).toContain(ruleArn);
      expect(cause.message).toMatch(/list it in traffic\.routes/);
      expect(await router().routeWeights()).toEqual(onAll('green'));
    } finally {
      await editRouteByHand(env.moto.endpoint, { ruleArn }, [
        { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } },
      ]);
    }
  });
});
