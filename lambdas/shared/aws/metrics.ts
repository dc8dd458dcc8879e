import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ROLLBACK_FAILED_METRIC, type RuntimeConfig } from '../contract';
import { traced } from '../observability';

let cloudWatch: CloudWatchClient | undefined;

/** Counts a rollback that could not restore traffic; the construct's RollbackFailedAlarm watches it. */
export async function countRollbackFailed(
  config: Pick<RuntimeConfig, 'metricNamespace' | 'service'>,
): Promise<void> {
  cloudWatch ??= traced(new CloudWatchClient({}));
  await cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: config.metricNamespace,
      MetricData: [
        {
          MetricName: ROLLBACK_FAILED_METRIC,
          Dimensions: [{ Name: 'Service', Value: config.service }],
          Value: 1,
          Unit: 'Count',
        },
      ],
    }),
  );
}
