import { AlarmFiring, AlarmNotFound, CutoverFailed } from '../../lambdas/shared/contract';
import { checkAlarms, oneSidedAlarms, parityProblem } from '../../lambdas/shared/gate';
import { thrown } from '../support/errors';

const ok = (name: string, windowSeconds = 60) => ({ name, state: 'OK', windowSeconds });

describe('checkAlarms', () => {
  it('refuses an alarm that does not exist, by name', () => {
    const error = thrown(() => checkAlarms(['a', 'typo'], [ok('a')], 600));
    expect(error).toBeInstanceOf(AlarmNotFound);
    expect(error.details.alarm).toBe('typo');
  });

  it('blocks on an alarm in ALARM', () => {
    expect(() =>
      checkAlarms(['a'], [{ name: 'a', state: 'ALARM', reason: 'Threshold Crossed' }], 600),
    ).toThrow(AlarmFiring);
  });

  it('reports INSUFFICIENT_DATA without blocking', () => {
    const verdict = checkAlarms(['a'], [{ name: 'a', state: 'INSUFFICIENT_DATA', windowSeconds: 60 }], 600);
    expect(verdict.warnings[0]).toMatch(/INSUFFICIENT_DATA/);
  });

  it('refuses a bake shorter than an alarm window, naming alarm and window', () => {
    const error = thrown(() => checkAlarms(['slow'], [ok('slow', 900)], 600));
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details).toMatchObject({ alarm: 'slow', field: 'bakeSeconds' });
    expect(error.details.message).toMatch(/"slow" needs 900 s/);
  });

  it('requires the bake to outlast the window by one period, since the last datapoint arrives late', () => {
    const alb = { name: 'alb-5xx', state: 'OK', windowSeconds: 300, periodSeconds: 60 };
    expect(() => checkAlarms(['alb-5xx'], [alb], 300)).toThrow(
      /360 s in all, longer than bakeSeconds \(300 s\)/,
    );
    expect(checkAlarms(['alb-5xx'], [alb], 360).alarms).toEqual([{ name: 'alb-5xx', state: 'OK' }]);
  });
});

describe('parityProblem', () => {
  it('asks for at least as many healthy targets on the idle side', () => {
    expect(parityProblem('green', 2, 'blue', 2)).toBeUndefined();
    expect(parityProblem('green', 1, 'blue', 3)).toMatch(/green has 1 healthy target, blue has 3/);
  });
});

describe('oneSidedAlarms', () => {
  const sides = {
    blue: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-blue/73e2d6bc24d8a067',
    green: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/09a6c3f2a6f6e7b1',
  };
  const on = (...groups: string[]) => ({
    name: 'orders-5xx',
    state: 'OK',
    dimensions: [
      { name: 'LoadBalancer', value: 'app/orders/50dc6c495c0c9188' },
      ...groups.map((value) => ({ name: 'TargetGroup', value })),
    ],
  });

  it("warns about an alarm on one side's target group, which goes silent once that side has no traffic", () => {
    expect(oneSidedAlarms([on('targetgroup/orders-blue/73e2d6bc24d8a067')], sides)).toEqual([
      expect.stringMatching(/"orders-5xx" watches only blue's target group/),
    ]);
  });

  it('accepts alarms on the load balancer or on both groups', () => {
    const both = on('targetgroup/orders-blue/73e2d6bc24d8a067', 'targetgroup/orders-green/09a6c3f2a6f6e7b1');
    expect(oneSidedAlarms([on(), both], sides)).toEqual([]);
  });
});
