import type { LocalExecution } from '../execution/types';
import type { SideWrite } from '../offline/traffic';

export interface TimelineRow {
  readonly ms: number;
  readonly what: string;
}

function share(weight: number | null): string {
  return weight === null ? 'absent' : String(weight);
}

/** Merges an execution's states with the router writes seen during it, in time order. */
export function timeline(execution: LocalExecution, writes: readonly SideWrite[]): TimelineRow[] {
  const start = execution.startDate.getTime();
  const rows: Array<TimelineRow & { at: number }> = [];
  for (const event of execution.history) {
    if (event.type === 'StateEntered' && event.stateType !== 'Choice' && event.stateType !== 'Pass') {
      rows.push({ at: event.timestamp, ms: event.timestamp - start, what: event.state });
    }
  }
  const end = execution.history.at(-1)?.timestamp ?? Date.now();
  for (const write of writes) {
    if (write.at < start || write.at > end || !write.accepted) continue;
    rows.push({
      at: write.at,
      ms: write.at - start,
      what: `  ${write.router} -> blue ${share(write.weights.blue)}, green ${share(write.weights.green)}${write.violation ? '  (VIOLATION)' : ''}`,
    });
  }
  return rows.sort((a, b) => a.at - b.at).map(({ ms, what }) => ({ ms, what }));
}

export function formatTimeline(rows: readonly TimelineRow[]): string {
  const collapsed: string[] = [];
  let last = '';
  let repeats = 0;
  for (const row of rows) {
    if (row.what === last) {
      repeats += 1;
      continue;
    }
    if (repeats > 0) collapsed[collapsed.length - 1] += ` (x${repeats + 1})`;
    repeats = 0;
    last = row.what;
    collapsed.push(`  ${String(row.ms).padStart(6)} ms  ${row.what}`);
  }
  if (repeats > 0) collapsed[collapsed.length - 1] += ` (x${repeats + 1})`;
  return collapsed.join('\n');
}
