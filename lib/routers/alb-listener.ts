import type { AlbTraffic } from '../handler-contract';
import { type Grant, onAnyResource, type RouterGrants } from './grant';

const WHY = 'Elastic Load Balancing Describe* calls take no resource-level permissions';

function describe(...calls: string[]): Grant {
  return onAnyResource(WHY, ...calls.map((call) => `elasticloadbalancing:${call}`));
}

/** The `alb-listener` router: describes on `*` (they take no resource), ModifyListener on the listener only. */
export function albListenerGrants(traffic: AlbTraffic): RouterGrants {
  const modify: Grant = {
    actions: ['elasticloadbalancing:ModifyListener'],
    resources: [traffic.listenerArn],
  };
  return {
    read: [describe('DescribeListeners')],
    inspect: [describe('DescribeListeners', 'DescribeRules', 'DescribeTargetHealth')],
    attach: [modify, describe('DescribeListeners')],
    write: [modify, describe('DescribeListeners')],
    health: [describe('DescribeTargetHealth')],
    drain: [describe('DescribeTargetGroupAttributes')],
  };
}
