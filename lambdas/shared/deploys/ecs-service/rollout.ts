import type { Service } from '@aws-sdk/client-ecs';

/** Where the idle service's rollout of our revision is. */
export interface Rollout {
  readonly state: 'in-progress' | 'completed' | 'failed';
  /** What ECS says, for the step's message and the failure's cause. */
  readonly summary: string;
}

/**
 * Reads the rollout of `taskDefinitionArn` from the service as DescribeServices answers it.
 * Completed: the PRIMARY deployment runs that revision, rollout COMPLETED, running = desired.
 * Failed: that deployment's rollout FAILED, or another revision became PRIMARY after ours (the
 * deployment circuit breaker rolled back, or someone else deployed over the release).
 */
export function rolloutOf(service: Service, taskDefinitionArn: string): Rollout {
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const ours = deployments.find((d) => d.taskDefinition === taskDefinitionArn);
  if (!primary) return { state: 'in-progress', summary: 'no PRIMARY deployment yet' };
  if (primary.taskDefinition !== taskDefinitionArn) {
    const reason = ours?.rolloutStateReason ? `: ${ours.rolloutStateReason}` : '';
    return ours?.rolloutState === 'FAILED' || !ours
      ? {
          state: 'failed',
          summary: `the PRIMARY deployment runs ${primary.taskDefinition ?? 'another revision'} (rolled back${reason})`,
        }
      : { state: 'in-progress', summary: `the PRIMARY deployment still runs ${primary.taskDefinition}` };
  }
  const counts = `${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} tasks running`;
  if (primary.rolloutState === 'FAILED') {
    return {
      state: 'failed',
      summary: `rollout FAILED: ${primary.rolloutStateReason ?? 'no reason given'} (${counts})`,
    };
  }
  const complete =
    primary.rolloutState === 'COMPLETED' && (primary.runningCount ?? 0) === (primary.desiredCount ?? 0);
  return {
    state: complete ? 'completed' : 'in-progress',
    summary: `rollout ${primary.rolloutState ?? 'without a state'}, ${counts}`,
  };
}
