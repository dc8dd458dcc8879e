import type { AlbTraffic } from '../handler-contract';
import { type Grant, onAnyResource, type RouterGrants } from './grant';

const WHY = 'Elastic Load Balancing Describe* calls take no resource-level permissions';

function describe(...calls: string[]): Grant {
  return onAnyResource(WHY, ...calls.map((call) => `elasticloadbalancing:${call}`));
}

/**
 * The `alb-listener` router: describes on `*` (they take no resource), ModifyListener on the
 * listener and the further listeners of `routes`, ModifyRule on the rules of `routes` only, and
 * DescribeUserPoolClient on the configured Cognito user pools only.
 */
export function albListenerGrants(traffic: AlbTraffic): RouterGrants {
  const routes = traffic.routes ?? [];
  const listeners = routes.flatMap((r) => ('listenerArn' in r ? [r.listenerArn] : []));
  const rules = routes.flatMap((r) => ('ruleArn' in r ? [r.ruleArn] : []));
  const pools = traffic.cognitoUserPoolArns ?? [];
  const modify: Grant[] = [
    { actions: ['elasticloadbalancing:ModifyListener'], resources: [traffic.listenerArn, ...listeners] },
    ...(rules.length > 0 ? [{ actions: ['elasticloadbalancing:ModifyRule'], resources: rules }] : []),
    // AWS checks this of whoever writes an authenticate-cognito action, on the action's user pool.
    ...(pools.length > 0 ? [{ actions: ['cognito-idp:DescribeUserPoolClient'], resources: pools }] : []),
  ];
  // Reading the routes' rules by ARN is one more Describe call, only when rules are configured.
  const read =
    rules.length > 0 ? describe('DescribeListeners', 'DescribeRules') : describe('DescribeListeners');
  return {
    read: [read],
    inspect: [describe('DescribeListeners', 'DescribeRules', 'DescribeTargetHealth')],
    attach: [...modify, read],
    write: [...modify, read],
    health: [describe('DescribeTargetHealth')],
    drain: [describe('DescribeTargetGroupAttributes')],
  };
}
