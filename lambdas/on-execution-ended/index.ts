import * as z from 'zod';
import { leaseStore } from '../shared/aws/store';
import { closeStoppedRollback, releaseStoppedLease, rollBackStoppedCutover } from '../shared/cleanup';
import { SWITCHED_PHASES } from '../shared/contract';
import { defineStep } from '../shared/step';

const eventSchema = z.object({ detail: z.object({ executionArn: z.string(), status: z.string() }) });

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
    const lease = await leaseStore(config).read();
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
