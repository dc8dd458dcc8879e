import type { TrafficConfig } from '../handler-contract';
import { albListenerGrants } from './alb-listener';
import type { Grant, RouterGrants, RouterUse } from './grant';
import { lambdaAliasGrants } from './lambda-alias';
import { route53WeightedGrants } from './route53-weighted';

export type { Grant, RouterGrants, RouterUse } from './grant';

/** The grants of the configured router, by use: the one place in lib/ that knows which routers exist. */
export function routerGrants(traffic: TrafficConfig): RouterGrants {
  switch (traffic.type) {
    case 'alb-listener':
      return albListenerGrants(traffic);
    case 'lambda-alias':
      return lambdaAliasGrants(traffic);
    case 'route53-weighted':
      return route53WeightedGrants(traffic);
  }
}

/**
 * The statements of a step's router uses, merged: one statement per distinct resource list and
 * condition, its actions in first-seen order, so a step's policy reads like its calls.
 */
export function mergeGrants(grants: readonly Grant[]): Grant[] {
  const merged: Grant[] = [];
  for (const grant of grants) {
    const same = merged.find(
      (m) =>
        JSON.stringify(m.resources) === JSON.stringify(grant.resources) &&
        JSON.stringify(m.conditions) === JSON.stringify(grant.conditions),
    );
    if (!same) {
      merged.push({ ...grant, actions: [...grant.actions] });
      continue;
    }
    const actions = [...same.actions, ...grant.actions.filter((a) => !same.actions.includes(a))];
    merged[merged.indexOf(same)] = { ...same, actions, why: same.why ?? grant.why };
  }
  return merged;
}

/** The grants a step needs for its router uses. */
export function grantsForUses(grants: RouterGrants, uses: readonly RouterUse[]): Grant[] {
  return mergeGrants(uses.flatMap((use) => grants[use]));
}
