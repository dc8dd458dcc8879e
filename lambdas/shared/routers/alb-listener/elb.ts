import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { RouterStateUnknown } from '../../contract';
import { type Route, referencedTargetGroups } from './forward';
import type { ConfiguredRoute } from './routes';
import type { TargetState } from './targets';

/** The ELBv2 calls of the ALB router, each turning AWS's "not found" into RouterStateUnknown. */

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
      targetGroupArns: referencedTargetGroups(listener.DefaultActions),
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
          targetGroupArns: referencedTargetGroups(rule.Actions),
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
      port: d.Target?.Port,
      state: d.TargetHealth?.State ?? 'unknown',
      reason: d.TargetHealth?.Reason,
      description: d.TargetHealth?.Description,
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

/** The one router write: the listener's default actions, replaced whole. */
export async function modifyDefaultActions(
  client: ElasticLoadBalancingV2Client,
  listenerArn: string,
  actions: Action[],
): Promise<void> {
  await client.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: actions }));
}

/** A listener rule's actions, replaced whole. */
export async function modifyRuleActions(
  client: ElasticLoadBalancingV2Client,
  ruleArn: string,
  actions: Action[],
): Promise<void> {
  await client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions }));
}

/**
 * The further listeners of `traffic.routes`, in one call. When one does not exist AWS answers for
 * the whole call, so each is then asked alone, to name the one missing by its config key.
 */
export async function describeRouteListeners(
  client: ElasticLoadBalancingV2Client,
  routes: readonly ConfiguredRoute[],
): Promise<Map<string, Listener>> {
  if (routes.length === 0) return new Map();
  try {
    const out = await client.send(new DescribeListenersCommand({ ListenerArns: routes.map((r) => r.arn) }));
    return new Map((out.Listeners ?? []).map((l) => [l.ListenerArn ?? '', l]));
  } catch (error) {
    if (errorName(error) !== 'ListenerNotFoundException') throw error;
    await nameTheMissing(routes, 'ListenerNotFoundException', (arn) =>
      client.send(new DescribeListenersCommand({ ListenerArns: [arn] })),
    );
    throw error;
  }
}

/** The rules of `traffic.routes`, in one call, as describeRouteListeners does for listeners. */
export async function describeRouteRules(
  client: ElasticLoadBalancingV2Client,
  routes: readonly ConfiguredRoute[],
): Promise<Map<string, Rule>> {
  if (routes.length === 0) return new Map();
  try {
    const out = await client.send(new DescribeRulesCommand({ RuleArns: routes.map((r) => r.arn) }));
    return new Map((out.Rules ?? []).map((r) => [r.RuleArn ?? '', r]));
  } catch (error) {
    if (errorName(error) !== 'RuleNotFoundException') throw error;
    await nameTheMissing(routes, 'RuleNotFoundException', (arn) =>
      client.send(new DescribeRulesCommand({ RuleArns: [arn] })),
    );
    throw error;
  }
}

async function nameTheMissing(
  routes: readonly ConfiguredRoute[],
  notFound: string,
  describeOne: (arn: string) => Promise<unknown>,
): Promise<void> {
  for (const route of routes) {
    try {
      await describeOne(route.arn);
    } catch (error) {
      if (errorName(error) === notFound) throw missingRoute(route);
      throw error;
    }
  }
}

export function missingRoute(route: ConfiguredRoute): RouterStateUnknown {
  return new RouterStateUnknown(
    `${route.kind} ${route.arn} (${route.field}) was not found: check ${route.field} and the region`,
  );
}
