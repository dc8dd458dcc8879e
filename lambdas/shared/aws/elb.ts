import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { RouterStateUnknown } from '../errors';
import {
  type ActionShape,
  type ForwardWeights,
  type Route,
  referencedTargetGroups,
  type TargetState,
  withForwardWeights,
} from '../router';

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

export async function describeListener(
  client: ElasticLoadBalancingV2Client,
  listenerArn: string,
): Promise<Listener> {
  try {
    const out = await client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const listener = out.Listeners?.[0];
    if (!listener) throw new RouterStateUnknown(`listener ${listenerArn} was not found`);
    return listener;
  } catch (error) {
    if (errorName(error) === 'ListenerNotFoundException') {
      throw new RouterStateUnknown(
        `listener ${listenerArn} was not found: check traffic.listenerArn and the region`,
      );
    }
    throw error;
  }
}

/** Every listener of the load balancer and every rule of each, with the target groups they forward to. */
export async function listRoutes(
  client: ElasticLoadBalancingV2Client,
  loadBalancerArn: string,
): Promise<Route[]> {
  const routes: Route[] = [];
  let marker: string | undefined;
  const listeners: Listener[] = [];
  do {
    const page = await client.send(
      new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker }),
    );
    listeners.push(...(page.Listeners ?? []));
    marker = page.NextMarker;
  } while (marker);
  for (const listener of listeners) {
    const listenerArn = listener.ListenerArn ?? '';
    routes.push({
      kind: 'listener',
      arn: listenerArn,
      description: `the default action of listener ${listener.Protocol ?? ''}:${listener.Port ?? '?'} (${listenerArn})`,
      targetGroupArns: referencedTargetGroups(listener.DefaultActions as ActionShape[] | undefined),
    });
    let ruleMarker: string | undefined;
    do {
      const page = await client.send(
        new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: ruleMarker }),
      );
      for (const rule of page.Rules ?? []) {
        if (rule.IsDefault) continue;
        routes.push({
          kind: 'rule',
          arn: rule.RuleArn ?? '',
          description: `rule ${rule.Priority ?? '?'} of listener ${listener.Protocol ?? ''}:${listener.Port ?? '?'} (${rule.RuleArn ?? ''})`,
          targetGroupArns: referencedTargetGroups(rule.Actions as ActionShape[] | undefined),
        });
      }
      ruleMarker = page.NextMarker;
    } while (ruleMarker);
  }
  return routes;
}

export async function describeTargetHealth(
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
): Promise<TargetState[]> {
  try {
    const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    return (out.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '?',
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      state: d.TargetHealth?.State ?? 'unknown',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    }));
  } catch (error) {
    if (errorName(error) === 'TargetGroupNotFoundException') {
      throw new RouterStateUnknown(
        `target group ${targetGroupArn} was not found: it was deleted or the config names the wrong one`,
      );
    }
    throw error;
  }
}

/** `deregistration_delay.timeout_seconds`: the operator's statement of the longest request. */
export async function deregistrationDelaySeconds(
  client: ElasticLoadBalancingV2Client,
  targetGroupArn: string,
): Promise<number> {
  const out = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn }));
  const value = out.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
  const seconds = value === undefined ? 300 : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 300;
}

/** The one router write: the listener's forward action gets exactly these weights. */
export async function writeForward(
  client: ElasticLoadBalancingV2Client,
  listener: Listener,
  weights: ForwardWeights,
): Promise<void> {
  const actions = withForwardWeights((listener.DefaultActions ?? []) as ActionShape[], weights);
  await client.send(
    new ModifyListenerCommand({ ListenerArn: listener.ListenerArn, DefaultActions: actions as Action[] }),
  );
}
