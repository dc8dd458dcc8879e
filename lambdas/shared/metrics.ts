import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ROLLBACK_FAILED_METRIC, type RuntimeConfig } from './contract';

/**
 * Counts a rollback that could not restore traffic; the construct's RollbackFailed alarm watches it.
 * Written as an embedded-metric log line (EMF) that CloudWatch turns into the metric: no API call
 * that could fail on the very path that must be alarmed, and no PutMetricData grant.
 */
export function countRollbackFailed(config: Pick<RuntimeConfig, 'metricNamespace' | 'service'>): void {
  const metrics = new Metrics({ namespace: config.metricNamespace });
  // The alarm's metric has exactly one dimension; Powertools would add `service` by default.
  metrics.clearDefaultDimensions();
  metrics.addDimension('Service', config.service);
  metrics.addMetric(ROLLBACK_FAILED_METRIC, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
