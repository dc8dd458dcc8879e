import { type ForwardShape, forwardTargets } from '../offline/product';

/** The parts of an ELBv2 action that say where traffic goes (the SDK's `Action` fits). */
export type ForwardAction = ForwardShape;

/**
 * The weights of the forward in a list of actions, as the share each group gets, read exactly as the
 * product's router reads them. No forward action yields `{}`.
 */
export function forwardWeights(actions: readonly ForwardAction[] | undefined): Record<string, number> {
  const forward = (actions ?? []).find((a) => a.Type === 'forward');
  return forward ? forwardTargets(forward) : {};
}

/** Every target group any forward action names, weight 0 included (the ALB health-checks those). */
export function forwardedGroups(actions: readonly ForwardAction[] | undefined): string[] {
  const arns: string[] = [];
  for (const action of actions ?? []) {
    if (action.Type !== 'forward') continue;
    if (action.TargetGroupArn) arns.push(action.TargetGroupArn);
    for (const t of action.ForwardConfig?.TargetGroups ?? [])
      if (t.TargetGroupArn) arns.push(t.TargetGroupArn);
  }
  return arns;
}
