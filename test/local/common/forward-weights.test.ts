import { parseFunctionRef } from '../../../local/common/arn';
import { forwardWeights } from '../../../local/common/forward-weights';

const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-blue/0123456789abcdef';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/fedcba9876543210';

describe('forwardWeights', () => {
  test('a plain forward is all the traffic, as written and as AWS describes it', () => {
    expect(forwardWeights([{ Type: 'forward', TargetGroupArn: BLUE }])).toEqual({ [BLUE]: 100 });
    expect(
      forwardWeights([
        {
          Type: 'forward',
          TargetGroupArn: BLUE,
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }] },
        },
      ]),
    ).toEqual({ [BLUE]: 100 });
  });

  test('a weighted forward gives each group its weight; an entry without one counts as 1', () => {
    const actions = [
      { Type: 'authenticate-oidc' },
      {
        Type: 'forward',
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: BLUE, Weight: 0 }, { TargetGroupArn: GREEN }] },
      },
    ];
    expect(forwardWeights(actions)).toEqual({ [BLUE]: 0, [GREEN]: 1 });
    expect(forwardWeights([{ Type: 'redirect' }])).toEqual({});
  });
});

describe('parseFunctionRef', () => {
  test('reads every form Lambda accepts for FunctionName', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:orders-deploy';
    expect(parseFunctionRef(arn)).toEqual({ name: 'orders-deploy', arn });
    expect(parseFunctionRef(`${arn}:live`)).toEqual({ name: 'orders-deploy', qualifier: 'live', arn });
    expect(parseFunctionRef('123456789012:function:orders-deploy:3')).toEqual({
      name: 'orders-deploy',
      qualifier: '3',
    });
    expect(parseFunctionRef('orders-deploy:$LATEST')).toEqual({
      name: 'orders-deploy',
      qualifier: '$LATEST',
    });
    expect(parseFunctionRef('orders-deploy')).toEqual({ name: 'orders-deploy' });
    expect(parseFunctionRef('arn:aws:sns:us-east-1:123456789012:topic')).toEqual({ name: '' });
  });
});
