import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

export const ROLLBACK_FAILED_METRIC = 'RollbackFailed';

/** Counts a rollback that could not restore traffic; the construct's RollbackFailedAlarm watches it. */
export async function countRollbackFailed(
  client: CloudWatchClient,
  namespace: string,
  service: string,
): Promise<void> {
  await client.send(
    new PutMetricDataCommand({
      Namespace: namespace,
      MetricData: [
        {
          MetricName: ROLLBACK_FAILED_METRIC,
          Dimensions: [{ Name: 'Service', Value: service }],
          Value: 1,
          Unit: 'Count',
        },
      ],
    }),
  );
}
