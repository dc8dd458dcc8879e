import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CellResult, FAULT_KINDS, FAULT_LEGEND } from './matrix';

/** Where each test file leaves its cells, so the teardown can print the whole matrix at once. */
export const RESULTS_DIR = join(__dirname, '..', '..', '.cache', 'fault-matrix');

export interface ShardResults {
  readonly steps: string[];
  readonly cells: CellResult[];
  readonly known: Record<string, string>;
}

export function writeShard(name: string, shard: ShardResults): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), JSON.stringify(shard, null, 2));
}

export function clearShards(): void {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
}

export function cellKey(step: string, kind: string): string {
  return `${step} × ${kind}`;
}

function cellText(c: CellResult | undefined, known: Record<string, string>): string {
  if (!c) return '';
  if (c.skipped) return 'n/a';
  const outcome = c.outcomes.join(' + ') || '?';
  const lease = c.leaseFree ? 'lease free' : 'LEASE HELD';
  const flag = c.problems.length === 0 ? '' : known[cellKey(c.step, c.kind)] ? ' (known failure)' : ' FAIL';
  return `${outcome}; ${c.traffic ?? '?'}; ${lease}${flag}`;
}

/** The matrix as a Markdown table (steps x fault kinds), then the cells not run and every problem. */
export function renderMatrix(shards: readonly ShardResults[]): string {
  const steps = shards.find((s) => s.steps.length > 0)?.steps ?? [];
  const cells = shards.flatMap((s) => s.cells);
  const known = Object.assign({}, ...shards.map((s) => s.known)) as Record<string, string>;
  const kinds = FAULT_KINDS.filter((k) => cells.some((c) => c.kind === k));
  const at = (step: string, kind: string) => cells.find((c) => c.step === step && c.kind === kind);
  const lines = [
    'Fault matrix: each cell is the outcome of every execution of the scenario; where traffic is at the end; whether the lease is free.',
    '',
    `| step | ${kinds.join(' | ')} |`,
    `|---|${kinds.map(() => '---').join('|')}|`,
    ...steps.map((s) => `| ${s} | ${kinds.map((k) => cellText(at(s, k), known)).join(' | ')} |`),
    '',
    'Faults:',
    ...kinds.map((k) => `- ${k}: ${FAULT_LEGEND[k]}`),
    '',
    'Scenarios driving each step:',
    ...steps.map((s) => `- ${s}: ${cells.find((c) => c.step === s)?.driver ?? '?'}`),
  ];
  const skipped = cells.filter((c) => c.skipped);
  if (skipped.length > 0)
    lines.push('', 'Not run:', ...skipped.map((c) => `- ${cellKey(c.step, c.kind)}: ${c.skipped}`));
  const failing = cells.filter((c) => c.problems.length > 0);
  if (failing.length > 0) {
    lines.push('', 'Problems:');
    for (const c of failing) {
      const why = known[cellKey(c.step, c.kind)];
      lines.push(
        `- ${cellKey(c.step, c.kind)}${why ? ` (KNOWN FAILURE: ${why})` : ''}: ${c.problems.join('; ')}`,
      );
    }
  }
  const ms = cells.reduce((sum, c) => sum + c.ms, 0);
  lines.push(
    '',
    `${cells.filter((c) => !c.skipped).length} cells run, ${Math.round(ms / 1000)} s of scenarios.`,
  );
  return lines.join('\n');
}

export function readShards(): ShardResults[] {
  let names: string[];
  try {
    names = readdirSync(RESULTS_DIR).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.sort().map((n) => JSON.parse(readFileSync(join(RESULTS_DIR, n), 'utf8')) as ShardResults);
}
