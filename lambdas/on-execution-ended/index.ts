import * as z from 'zod';
import { type LeaseStore, leaseStore } from '../shared/aws/store';
import { closeStoppedRollback, releaseStoppedLease, rollBackStoppedCutover } from '../shared/cleanup';
import { type LeaseItem, SWITCHED_PHASES } from '../shared/contract';
import { defineStep, sleep } from '../shared/step';

const eventSchema = z.object({
  detail: z.object({ executionArn: z.string(), status: z.string(), stopDate: z.number().nullish() }),
});

/**
 * How long after a stop an AcquireLease invocation that was in flight may still take the lease:
 * that function's timeout (STEP_TIMEOUT_SECONDS in lib/step-handlers.ts), plus a margin for clocks.
 */
export const LATE_ACQUIRE_MS = (20 + 2) * 1000;

/**
 * Runs on the state machine's ABORTED, TIMED_OUT and FAILED status changes. A cutover that stopped after
 * its switch is rolled back (stopping a release means rolling it back); a rollback keeps traffic
 * where it put it; in every case the lease is released so the next release is not blocked until it
 * expires.
 */
export const handler = defineStep(
  'OnExecutionEnded',
  eventSchema,
  async ({ detail }, { config }): Promise<{ action: string }> => {
    const store = leaseStore(config);
    let lease = await store.read();
    if (!lease && detail.status !== 'FAILED') lease = await lateLease(store, detail.stopDate);
    if (!lease || lease.owner !== detail.executionArn) return { action: 'none: the execution held no lease' };
    // A FAILED execution that still holds the lease is one whose Rollback or Abort step crashed:
    // every other failure path gives the lease up itself.
    const crashed = detail.status === 'FAILED';
    const reason = crashed
      ? 'execution failed in its own Rollback or Abort step'
      : `execution ${detail.status === 'TIMED_OUT' ? 'timed out' : 'was stopped'}`;
    const moved = SWITCHED_PHASES.includes(lease.phase) || lease.phase === 'rolling-back';
    // A rollback moves traffic onto the known-good side: putting it "back" would undo the fix.
    if (lease.action === 'rollback' && moved)
      return { action: await closeStoppedRollback(config, lease, reason, crashed) };
    if (moved && lease.previous) {
      return { action: await rollBackStoppedCutover(config, lease, lease.previous, reason, crashed) };
    }
    return { action: await releaseStoppedLease(config, lease, reason, crashed) };
  },
);

/**
 * StopExecution does not stop the invocation in flight: an execution stopped while its AcquireLease
 * ran takes the lease after the stop, and nothing would free it until it expires. So with no lease
 * in the table (the caller looked once), look again until that invocation has surely ended.
 */
async function lateLease(
  store: LeaseStore,
  stopDate: number | null | undefined,
): Promise<LeaseItem | undefined> {
  const until = (stopDate ?? Date.now()) + LATE_ACQUIRE_MS;
  while (Date.now() < until) {
    await sleep(Math.min(1000, until - Date.now()));
    const lease = await store.read();
    if (lease) return lease;
  }
  return undefined;
}
