import { output, useOfflineEnvironment } from '../workflow/support';
import { type CellResult, type FaultKind, planSteps, runCell, type StepPlan, stepsOf } from './matrix';
import { cellKey, writeShard } from './table';

/**
 * Cells whose failure is a known product gap, with why; each is still run and printed. A known
 * failure that passes fails the suite, so the list cannot go stale.
 */
export const KNOWN_FAILURES: Record<string, string> = {};

/** One test file of the matrix: its own offline environment, the given fault kinds for every step. */
export function faultMatrix(name: string, kinds: readonly FaultKind[]): void {
  const env = useOfflineEnvironment(
    {
      service: `faults-${name}`,
      bakeSeconds: 2,
      healthTimeoutSeconds: 10,
      initialMs: 300,
      deployHook: () => ({ status: 'SUCCEEDED' }),
    },
    async (ready) => {
      // A first release, so that a rollback has a known-good side to return to.
      output((await ready.run({ action: 'cutover', version: 'v0' })).outcome);
    },
  );
  let plans: StepPlan[] = [];
  const cells: CellResult[] = [];

  beforeAll(async () => {
    plans = await planSteps(env, stepsOf(env));
  }, 600_000);

  afterAll(() => {
    writeShard(name, { steps: plans.map((p) => p.step.name), cells, known: KNOWN_FAILURES });
  });

  for (const kind of kinds) {
    it(`every step under "${kind}" ends in a DESIGN.md outcome, traffic on a healthy side, the lease free`, async () => {
      const failures: string[] = [];
      for (const plan of plans) {
        const cell = await runCell(env, plan, kind);
        cells.push(cell);
        const key = cellKey(cell.step, kind);
        const known = KNOWN_FAILURES[key];
        if (cell.problems.length > 0 && !known) failures.push(`${key}: ${cell.problems.join('; ')}`);
        if (cell.problems.length === 0 && known)
          failures.push(`${key} passes now: remove it from KNOWN_FAILURES`);
      }
      expect(failures).toEqual([]);
    }, 900_000);
  }
}
