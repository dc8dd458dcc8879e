import * as z from 'zod';
import { type LeaseStore, leaseStore } from '../shared/aws/store';
import { closeStoppedRollback, releaseStoppedLease, rollBackStoppedCutover } from '../shared/cleanup';
import { type LeaseItem, STEP_TIMEOUT_SECONDS, SWITCHED_PHASES } from '../shared/contract';
import { defineStep, sleep } from '../shared/step';

const eventSchema = z.object({
  detail: z.object({
    executionArn: z.string(),
    status: z.string(),
    /** Epoch milliseconds; null while running. */
    stopDate: z.number().nullish(),
  }),
});

/**
 * How long after a stop the stopped execution's SwitchTraffic may still write the router: Step
 * Functions does not stop a Lambda invocation in flight, and the function runs until its timeout.
 */
const SWITCH_IN_FLIGHT_MS = STEP_TIMEOUT_SECONDS['switch-traffic'] * 1000;

/**
 * How long after a stop an AcquireLease invocation that was in flight may still take the lease:
 * that function's timeout, plus a margin for clocks.
 */
export const LATE_ACQUIRE_MS = (STEP_TIMEOUT_SECONDS['acquire-lease'] + 2) * 1000;

/**
 * Runs on the state machine's ABORTED, TIMED_OUT and FAILED status changes. A cutover that stopped after
 * its switch is rolled back (stopping a release means rolling it back); a rollback keeps traffic
 * where it put it; in every case the lease is released so the next release is not blocked until it
 * expires.
 */
export const handler = defineStep(
  'OnExecutionEnded',
  eventSchema,
  async ({ detail }, step): Promise<{ action: string }> => {
    const { config } = step;
    const store = leaseStore(config);
    let lease = await store.read();
    if (!lease && detail.status !== 'FAILED') lease = await lateLease(store, detail.stopDate);
    if (!lease || lease.owner !== detail.executionArn) return { action: 'none: the execution held no lease' };
    // Stopped between a fence and the end of a router write that gives the new side more traffic
    // (the switch, or a shift step), which may still land. Take the lease over (the write's next
    // fence, or a redrive's, then fails), wait until that write cannot come any more, and only then
    // read the router.
    const writing =
      lease.phase === 'switching' || (lease.phase === 'baking' && config.traffic.shift !== undefined);
    if (writing && detail.status !== 'FAILED') {
      const holder = `${detail.executionArn}#cleanup`;
      if (!(await store.takeOver(lease.owner, holder))) return { action: 'none: the lease changed hands' };
      const until = Math.min((detail.stopDate ?? Date.now()) + SWITCH_IN_FLIGHT_MS, step.handBackAt);
      if (until > Date.now()) await sleep(until - Date.now());
      lease = { ...lease, owner: holder };
    }
    // A FAILED execution that still holds the lease is one whose Rollback or Abort step crashed:
    // every other failure path gives the lease up itself.
    const crashed = detail.status === 'FAILED';
    const reason = crashed
      ? 'execution failed in its own Rollback or Abort step'
      : `execution ${detail.status === 'TIMED_OUT' ? 'timed out' : 'was stopped'}`;
    const moved = SWITCHED_PHASES.includes(lease.phase) || lease.phase === 'rolling-back';
    // A rollback moves traffic onto the known-good side: putting it "back" would undo the fix.
    const stopped = { lease, executionArn: detail.executionArn };
    if (lease.action === 'rollback' && moved)
      return { action: await closeStoppedRollback(config, stopped, reason, crashed) };
    if (moved && lease.previous) {
      return { action: await rollBackStoppedCutover(config, stopped, lease.previous, reason, crashed) };
    }
    return { action: await releaseStoppedLease(config, stopped, reason, crashed) };
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
