import type { Color } from '../../contract';
import type { SideHealth } from '../port';

/** One Route 53 health checker's last observation, as GetHealthCheckStatus reports it. */
export interface CheckerReport {
  readonly region?: string;
  readonly ipAddress?: string;
  /** e.g. "Success: HTTP Status Code 200, OK" or "Failure: Connection timed out...". */
  readonly status: string;
}

function isSuccess(report: CheckerReport): boolean {
  return report.status.startsWith('Success');
}

function describeChecker(report: CheckerReport): string {
  const where = [report.region, report.ipAddress].filter(Boolean).join(' ');
  return `${where || 'a checker'}: ${report.status}`;
}

/**
 * A side whose health is a Route 53 health check: healthy only when there are observations and
 * every checker reports success. While it serves traffic, any checker reporting failure is trouble.
 */
export function summarizeHealthCheck(
  color: Color,
  healthCheckId: string,
  reports: readonly CheckerReport[],
): SideHealth {
  const healthyCount = reports.filter(isSuccess).length;
  const failing = reports.filter((r) => !isSuccess(r));
  const detail = failing.slice(0, 3).map(describeChecker).join('; ');
  const more = failing.length > 3 ? ` and ${failing.length - 3} more` : '';
  const summary =
    reports.length === 0
      ? `${color}: health check ${healthCheckId} has no checker observations yet`
      : `${color}: ${healthyCount} of ${reports.length} checkers of health check ${healthCheckId} report success${detail ? `; ${detail}${more}` : ''}`;
  return {
    healthy: reports.length > 0 && failing.length === 0,
    total: reports.length,
    healthyCount,
    summary,
    ...(failing.length > 0
      ? {
          servingProblem: `${color} went unhealthy: health check ${healthCheckId} fails at ${describeChecker(failing[0]!)}${failing.length > 1 ? ` and ${failing.length - 1} more checkers` : ''}`,
        }
      : {}),
  };
}
