import { Aws } from 'aws-cdk-lib';
import { normalizedRecordName } from '../../lambdas/shared/routers/route53-weighted/names';
import type { Route53Traffic } from '../handler-contract';
import { type Grant, onAnyResource, type RouterGrants } from './grant';

const ELB_WHY = 'Elastic Load Balancing Describe* calls take no resource-level permissions';

/** Route 53 ARNs are global: no region, no account. */
function route53Arn(resource: string): string {
  return `arn:${Aws.PARTITION}:route53:::${resource}`;
}

/**
 * The `route53-weighted` router: the record sets of the hosted zone, changed only for the one name
 * and type and only by CREATE and DELETE (the condition keys are multi-valued, one value per change
 * of the batch, so ForAllValues: every change of a batch must be one of ours); change status on any
 * change (a change id is known only once the batch is written); the health checks named; target
 * health on `*`.
 */
export function route53WeightedGrants(traffic: Route53Traffic): RouterGrants {
  const zone = route53Arn(`hostedzone/${traffic.hostedZoneId}`);
  const list: Grant = { actions: ['route53:ListResourceRecordSets'], resources: [zone] };
  const change: Grant = {
    actions: ['route53:ChangeResourceRecordSets'],
    resources: [zone],
    conditions: {
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [normalizedRecordName(traffic.recordName)],
        'route53:ChangeResourceRecordSetsRecordTypes': [traffic.recordType],
        'route53:ChangeResourceRecordSetsActions': ['CREATE', 'DELETE'],
      },
    },
  };
  const getChange: Grant = {
    actions: ['route53:GetChange'],
    resources: [route53Arn('change/*')],
    why: 'GetChange is authorized on the change, whose id exists only once the batch is written',
  };
  const checks = [traffic.blueHealthCheckId, traffic.greenHealthCheckId].filter((id): id is string => !!id);
  const groups = [traffic.blueTargetGroupArn, traffic.greenTargetGroupArn].filter(
    (arn): arn is string => !!arn,
  );
  const health: Grant[] = [
    ...(groups.length > 0 ? [onAnyResource(ELB_WHY, 'elasticloadbalancing:DescribeTargetHealth')] : []),
    ...(checks.length > 0
      ? [
          {
            actions: ['route53:GetHealthCheckStatus'],
            resources: checks.map((id) => route53Arn(`healthcheck/${id}`)),
          },
        ]
      : []),
  ];
  return {
    read: [list],
    inspect: [list, ...health],
    // Both records always exist: Attach returns before any call.
    attach: [],
    alwaysAttached: true,
    write: [change, getChange, list],
    health,
    drain: [
      list,
      ...(groups.length > 0
        ? [onAnyResource(ELB_WHY, 'elasticloadbalancing:DescribeTargetGroupAttributes')]
        : []),
    ],
  };
}
