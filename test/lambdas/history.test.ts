import type { ReleaseRecord } from '../../lambdas/shared/contract';
import { NothingToRollBack } from '../../lambdas/shared/contract';
import { lastLeft, planRollback, reachesLastGoodRelease } from '../../lambdas/shared/history';

let n = 0;
function rec(
  partial: Partial<ReleaseRecord> & Pick<ReleaseRecord, 'from' | 'to' | 'outcome'>,
): ReleaseRecord {
  n += 1;
  return {
    key: `release#${n}`,
    kind: 'cutover',
    executionArn: `exec-${n}`,
    version: `v${n}`,
    schemaChange: 'none',
    startedAt: `2026-11-27T10:00:${String(n).padStart(2, '0')}Z`,
    ...partial,
  };
}

describe('planRollback', () => {
  it('goes back to the side the last successful release left', () => {
    const v1 = rec({ from: 'green', to: 'blue', outcome: 'succeeded', version: 'v1' });
    const v2 = rec({ from: 'blue', to: 'green', outcome: 'succeeded', version: 'v2' });
    const plan = planRollback([v2, v1], 'green', false);
    expect(plan).toMatchObject({ target: 'blue', undoes: v2, targetVersion: 'v1' });
  });

  it('refuses without any successful release', () => {
    expect(() => planRollback([], 'blue', false)).toThrow(NothingToRollBack);
    expect(() =>
      planRollback([rec({ from: 'blue', to: 'green', outcome: 'failed' })], 'blue', false),
    ).toThrow(NothingToRollBack);
  });

  it('refuses when a release aimed at the previous side died in progress since (its code may be half deployed)', () => {
    const good = rec({ from: 'blue', to: 'green', outcome: 'succeeded' });
    const crashed = rec({ from: 'green', to: 'blue', outcome: 'in-progress' });
    expect(() => planRollback([crashed, good], 'green', false)).toThrow(/blue.is.no.longer.known.good/);
  });

  it('refuses when a release aimed at the previous side failed since', () => {
    const good = rec({ from: 'blue', to: 'green', outcome: 'succeeded' });
    const failed = rec({ from: 'green', to: 'blue', outcome: 'failed' });
    expect(() => planRollback([failed, good], 'green', false)).toThrow(/blue.is.no.longer.known.good/);
    expect(planRollback([failed, good], 'green', true).warnings[0]).toMatch(/forced past/);
  });

  it('refuses to roll back across a contract release unless forced', () => {
    const contract = rec({ from: 'blue', to: 'green', outcome: 'succeeded', schemaChange: 'contract' });
    expect(() => planRollback([contract], 'green', false)).toThrow(/contracted.the.shared.database.schema/);
    expect(planRollback([contract], 'green', true).target).toBe('blue');
  });

  it.each(['rollback-failed', 'failed'] as const)(
    'still trusts the previous side after a rollback to it ended %s: that rollback put no code there',
    (outcome) => {
      // Prepare: v1 on blue, v2 on green; a rollback to blue (v1) did not get traffic back
      const v1 = rec({ from: 'green', to: 'blue', outcome: 'succeeded', version: 'v1' });
      const v2 = rec({ from: 'blue', to: 'green', outcome: 'succeeded', version: 'v2' });
      const rollback = rec({
        kind: 'rollback',
        from: 'green',
        to: 'blue',
        outcome,
        version: 'v1',
        undoes: v2.key,
      });

      // Act
      const plan = planRollback([rollback, v2, v1], 'green', false);

      // Assess
      expect(plan).toMatchObject({ target: 'blue', undoes: v2, targetVersion: 'v1', warnings: [] });
    },
  );

  it('does not roll back twice: a rolled-back release spoils its side', () => {
    const first = rec({ from: 'green', to: 'blue', outcome: 'succeeded' });
    const undone = rec({ from: 'blue', to: 'green', outcome: 'rolled-back' });
    expect(() => planRollback([undone, first], 'blue', false)).toThrow(/green.is.no.longer.known.good/);
  });
});

describe('lastLeft', () => {
  it('is when traffic switched away, or when a rollback took it back', () => {
    const switched = rec({
      from: 'blue',
      to: 'green',
      outcome: 'succeeded',
      switchedAt: '2026-11-27T10:05:00Z',
    });
    const undone = rec({
      from: 'green',
      to: 'blue',
      outcome: 'rolled-back',
      switchedAt: '2026-11-27T10:06:00Z',
      rolledBackAt: '2026-11-27T10:07:00Z',
    });
    expect(lastLeft([undone, switched], 'blue')?.toISOString()).toBe('2026-11-27T10:07:00.000Z');
    expect(lastLeft([undone, switched], 'green')?.toISOString()).toBe('2026-11-27T10:06:00.000Z');
    expect(lastLeft([], 'green')).toBeUndefined();
  });

  it('counts the switch of a release whose rollback failed', () => {
    // Prepare
    const stuck = rec({
      from: 'blue',
      to: 'green',
      outcome: 'rollback-failed',
      switchedAt: '2026-11-27T10:05:00Z',
    });

    // Act
    const left = lastLeft([stuck], 'blue');

    // Assess
    expect(left?.toISOString()).toBe('2026-11-27T10:05:00.000Z');
  });
});

describe('reachesLastGoodRelease', () => {
  it('asks for more history until the last good release to the live side and the one before it are read', () => {
    const v1 = rec({ from: 'green', to: 'blue', outcome: 'succeeded' });
    const v2 = rec({ from: 'blue', to: 'green', outcome: 'succeeded' });
    const failedRollback = rec({ kind: 'rollback', from: 'green', to: 'blue', outcome: 'failed' });
    expect(reachesLastGoodRelease([failedRollback], 'green')).toBe(false);
    expect(reachesLastGoodRelease([failedRollback, v2], 'green')).toBe(false);
    expect(reachesLastGoodRelease([failedRollback, v2, v1], 'green')).toBe(true);
  });
});
