/** The parts of an ELBv2 action that say where traffic goes (the SDK's `Action` fits). */
export interface ForwardAction {
  readonly Type?: string;
  readonly TargetGroupArn?: string;
  readonly ForwardConfig?: {
    readonly TargetGroups?: ReadonlyArray<{ readonly TargetGroupArn?: string; readonly Weight?: number }>;
  };
}

/**
 * The weights of the forward in a list of actions, as the share each group gets: a ForwardConfig
 * entry without a weight counts as 1 (AWS's default); a plain `TargetGroupArn` forward counts as 100,
 * also in the shape AWS describes it (the ARN plus a one-group ForwardConfig of weight 1 beside it).
 * No forward action yields `{}`.
 */
export function forwardWeights(actions: readonly ForwardAction[] | undefined): Record<string, number> {
  const forward = (actions ?? []).find((a) => a.Type === 'forward');
  if (!forward) return {};
  const tuples = forward.ForwardConfig?.TargetGroups ?? [];
  const plain =
    tuples.length === 1 && forward.TargetGroupArn && tuples[0]?.TargetGroupArn === forward.TargetGroupArn;
  if (tuples.length > 0 && !plain) {
    const weights: Record<string, number> = {};
    for (const t of tuples) if (t.TargetGroupArn) weights[t.TargetGroupArn] = t.Weight ?? 1;
    if (Object.keys(weights).length > 0) return weights;
  }
  return forward.TargetGroupArn ? { [forward.TargetGroupArn]: 100 } : {};
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
