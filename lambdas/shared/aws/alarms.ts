import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';

export interface AlarmView {
  readonly name: string;
  readonly state: string;
  readonly reason?: string;
  /** Seconds of data the alarm looks at before it can go to ALARM: period x evaluation periods. */
  readonly windowSeconds?: number;
}

/**
 * Reads the named metric alarms (composite alarms need an unscoped IAM grant, so they are left out). DescribeAlarms silently drops names that do
 * not exist, so callers compare what came back with what they asked for.
 */
export async function describeAlarms(
  client: CloudWatchClient,
  names: readonly string[],
): Promise<AlarmView[]> {
  const views: AlarmView[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let nextToken: string | undefined;
    do {
      const out = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          AlarmTypes: ['MetricAlarm'],
          NextToken: nextToken,
        }),
      );
      for (const alarm of out.MetricAlarms ?? []) {
        const period =
          alarm.Period ??
          Math.max(0, ...(alarm.Metrics ?? []).map((m) => m.MetricStat?.Period ?? m.Period ?? 0));
        const periods = alarm.EvaluationPeriods ?? 1;
        views.push({
          name: alarm.AlarmName ?? '?',
          state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
          ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
          ...(period > 0 ? { windowSeconds: period * periods } : {}),
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }
  return views;
}
