import type { OfflineEnvironment } from '../../local/offline';
import type { ExecutionOutcome } from '../../local/sfn-runner';

export interface Cause {
  message: string;
  field?: string;
  alarm?: string;
  live: string;
  previous?: string;
  version?: string;
}

/** The error name and parsed cause of a failed execution (fails the test if it did not fail). */
export function failure(outcome: ExecutionOutcome): { error: string; cause: Cause } {
  if (outcome.status !== 'FAILED') throw new Error(`expected FAILED, got ${JSON.stringify(outcome)}`);
  return { error: outcome.error, cause: JSON.parse(outcome.cause) as Cause };
}

export function output(outcome: ExecutionOutcome): Record<string, unknown> {
  if (outcome.status !== 'SUCCEEDED') throw new Error(`expected SUCCEEDED, got ${JSON.stringify(outcome)}`);
  return outcome.output as Record<string, unknown>;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every scenario ends with this: no router write gave weight to a side that was not fully healthy. */
export function expectNoUnhealthyWrites(env: OfflineEnvironment): void {
  expect(env.aws.violations).toEqual([]);
}
