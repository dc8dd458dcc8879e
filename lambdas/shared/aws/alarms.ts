import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { AlarmView } from '../gate';
import { traced } from '../observability';

let cloudWatch: CloudWatchClient | undefined;

function cloudWatchClient(): CloudWatchClient {
  cloudWatch ??= traced(new CloudWatchClient({}));
  return cloudWatch;
}

/**
 * Reads the named metric alarms (composite alarms need an unscoped IAM grant, so they are left out). DescribeAlarms silently drops names that do
 * not exist, so callers compare what came back with what they asked for.
 */
export async function describeAlarms(names: readonly string[]): Promise<AlarmView[]> {
  const client = cloudWatchClient();
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
        const dimensions = [
          ...(alarm.Dimensions ?? []),
          ...(alarm.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? []),
        ];
        views.push({
          name: alarm.AlarmName ?? '?',
          state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
          reason: alarm.StateReason || undefined,
          windowSeconds: period > 0 ? period * periods : undefined,
          periodSeconds: period > 0 ? period : undefined,
          dimensions: dimensions.map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' })),
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }
  return views;
}
