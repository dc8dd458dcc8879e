/** ARNs with AWS's real shapes, for the CDK tests of the construct and the config file. */
export const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/0123456789abcdef/0123456789abcdef';
export const BLUE =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-blue/0123456789abcdef';
export const GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/fedcba9876543210';
export const HOOK = 'arn:aws:lambda:us-east-1:123456789012:function:orders-deploy';

export const TRAFFIC = {
  type: 'alb-listener',
  listenerArn: LISTENER,
  blueTargetGroupArn: BLUE,
  greenTargetGroupArn: GREEN,
} as const;
