import type { Color } from '../../contract';
import type { SideHealth } from '../port';

/** A registered target as DescribeTargetHealth reports it. */
export interface TargetState {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

/**
 * A target group's health as the workflow judges it: healthy only when it has targets and every one
 * of them is healthy. While it serves traffic, a target failing its checks or no healthy target
 * left is trouble; targets that are `initial` or `draining` are ordinary scaling churn.
 */
export function summarizeHealth(color: Color, targets: readonly TargetState[]): SideHealth {
  const healthyCount = targets.filter((t) => t.state === 'healthy').length;
  const bad = targets.filter((t) => t.state !== 'healthy');
  const detail = bad
    .slice(0, 5)
    .map((t) => `${t.id}${t.port ? `:${t.port}` : ''} ${t.state}${t.reason ? ` (${t.reason})` : ''}`)
    .join(', ');
  const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
  const summary =
    targets.length === 0
      ? `${color} has no registered targets`
      : `${color}: ${healthyCount} of ${targets.length} targets healthy${detail ? `; ${detail}${more}` : ''}`;
  return {
    healthy: targets.length > 0 && bad.length === 0,
    total: targets.length,
    healthyCount,
    summary,
    servingProblem: servingProblem(color, targets),
  };
}

function servingProblem(color: Color, targets: readonly TargetState[]): string | undefined {
  const failing = targets.filter((t) => t.state === 'unhealthy' || t.state === 'unavailable');
  if (failing.length > 0) {
    const first = failing[0]!;
    return `${color} went unhealthy: ${first.id} ${first.state}${first.reason ? ` (${first.reason})` : ''}${failing.length > 1 ? ` and ${failing.length - 1} more` : ''}`;
  }
  if (!targets.some((t) => t.state === 'healthy')) return `${color} has no healthy target left`;
  return undefined;
}
