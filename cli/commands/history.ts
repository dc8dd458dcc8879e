import type { ReleaseRecord } from '../../lambdas/shared/contract';
import { between, duration, type Output, table } from '../output';
import type { Service } from '../service';

export interface HistoryEntry {
  readonly action: string;
  readonly version?: string;
  readonly from: string;
  readonly to: string;
  readonly schemaChange: string;
  readonly outcome: string;
  readonly startedAt: string;
  readonly switchedAt?: string;
  readonly finishedAt?: string;
  readonly rolledBackAt?: string;
  /** From the start to the traffic switch. */
  readonly toSwitchMs?: number;
  /** From the start to the end of the execution's work. */
  readonly totalMs?: number;
  readonly reason?: string;
  readonly error?: string;
  readonly executionArn: string;
}

function entry(r: ReleaseRecord): HistoryEntry {
  return {
    action: r.kind,
    ...(r.version ? { version: r.version } : {}),
    from: r.from,
    to: r.to,
    schemaChange: r.schemaChange,
    outcome: r.outcome,
    startedAt: r.startedAt,
    ...(r.switchedAt ? { switchedAt: r.switchedAt } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(r.rolledBackAt ? { rolledBackAt: r.rolledBackAt } : {}),
    ...(between(r.startedAt, r.switchedAt) !== undefined
      ? { toSwitchMs: between(r.startedAt, r.switchedAt) }
      : {}),
    ...(between(r.startedAt, r.finishedAt) !== undefined
      ? { totalMs: between(r.startedAt, r.finishedAt) }
      : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.error ? { error: r.error } : {}),
    executionArn: r.executionArn,
  };
}

/** The newest `limit` releases and rollbacks of the service, newest first. */
export async function readHistory(service: Service, limit: number): Promise<HistoryEntry[]> {
  const records = await service.history().recent((read) => read.length >= limit, limit);
  return records.slice(0, limit).map(entry);
}

export function printHistory(service: Service, entries: readonly HistoryEntry[], out: Output): void {
  if (entries.length === 0) {
    out.line(`no releases of ${service.name} recorded yet`);
    return;
  }
  const rows = entries.map((e) => [
    e.startedAt.replace(/\.\d+Z$/, 'Z'),
    e.action,
    e.version ?? '-',
    `${e.from} -> ${e.to}`,
    e.schemaChange,
    e.error ? `${e.outcome} (${e.error})` : e.outcome,
    duration(e.toSwitchMs),
    duration(e.totalMs),
    e.executionArn.split(':').pop() ?? '',
  ]);
  for (const line of table(
    ['STARTED', 'ACTION', 'VERSION', 'FROM -> TO', 'SCHEMA', 'OUTCOME', 'TO SWITCH', 'TOTAL', 'EXECUTION'],
    rows,
  ))
    out.line(line);
}
