/**
 * Reads CloudWatch embedded-metric (EMF) log lines the way CloudWatch Logs extracts them, so the
 * offline runner and the tests can see the metrics the handlers publish without an API call.
 */

/** One metric value of an EMF line. */
export interface EmfMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly value: unknown;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

interface EmfRecord {
  readonly _aws?: {
    readonly CloudWatchMetrics?: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

/** The metrics of one log line; none for a line that is not EMF. */
export function emfMetrics(line: string): EmfMetric[] {
  if (!line.includes('"_aws"')) return [];
  let record: EmfRecord;
  try {
    record = JSON.parse(line) as EmfRecord;
  } catch {
    return [];
  }
  return (record._aws?.CloudWatchMetrics ?? []).flatMap((directive) =>
    directive.Metrics.map((metric) => ({
      namespace: directive.Namespace,
      name: metric.Name,
      unit: metric.Unit ?? 'None',
      value: record[metric.Name],
      dimensions: Object.fromEntries(directive.Dimensions.flat().map((d) => [d, record[d]])),
    })),
  );
}
