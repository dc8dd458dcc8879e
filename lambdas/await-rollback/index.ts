import { executionState, ownerExecution } from '../shared/aws/executions';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import { type JoinedOutput, RollbackFailed } from '../shared/contract';
import type { WorkflowState } from '../shared/state';
import { defineStateStep, pollUntil } from '../shared/step';

/** How often the poll asks Step Functions whether the joined cutover still runs. */
const RUNNING_CHECK_MS = 5_000;

type Verdict = 'waiting' | 'retry' | 'done';
type Output = WorkflowState & { joinVerdict: Verdict; result?: JoinedOutput };

/**
 * AwaitRollback: this rollback asked a baking cutover to roll back; wait (polling inside the
 * invocation) until that cutover reports traffic restored. If the cutover finished first, the
 * state machine goes round again and performs an ordinary rollback.
 */
export const handler = defineStateStep('AwaitRollback', async (state, step): Promise<Output> => {
  const joined = state.lease?.joined;
  if (!joined) throw new Error('AwaitRollback ran without a joined cutover');
  const history = releaseHistory(step.config);
  const store = leaseStore(step.config);
  let askedAt = Number.NEGATIVE_INFINITY;
  const polled = await pollUntil<Output>(
    step,
    { intervalMs: 500, until: Number.POSITIVE_INFINITY },
    async () => {
      // Now and then: is the cutover still running? Once it is not, the lease and record read after
      // that answer are final: a cutover that ended without closing its record will never close it.
      let ended = false;
      if (Date.now() - askedAt >= RUNNING_CHECK_MS) {
        askedAt = Date.now();
        ended = (await executionState(ownerExecution(joined.executionArn))) !== 'RUNNING';
      }
      // The lease before the record: whoever ends the cutover closes its record before it frees
      // the lease, so a lease seen gone means the record read next is final.
      const lease = await store.read();
      const record = joined.releaseKey ? await history.get(joined.releaseKey) : undefined;
      if (record?.outcome === 'rolled-back') {
        const result: JoinedOutput = {
          action: 'rollback',
          live: record.from,
          previous: record.to,
          // As for any rollback: the version now live (the cutover's own version is in `undid`).
          version: record.previousVersion,
          undid: record.version,
          joined: joined.executionArn,
          reason: state.request.reason,
        };
        return { done: true, value: { ...state, joinVerdict: 'done', result } };
      }
      if (record?.outcome === 'rollback-failed') {
        throw new RollbackFailed(
          `cutover ${joined.executionArn} tried to roll back and failed: ${record.reason ?? 'see its execution'}; an operator must restore ${record.from} by hand`,
        );
      }
      const gone = lease?.owner !== joined.executionArn;
      if (record?.outcome === 'succeeded' || record?.outcome === 'failed' || gone || ended) {
        // It finished without rolling back (the request came too late), or it died without closing
        // its record: roll back the ordinary way rather than wait for a cutover that is not running
        // (AcquireLease then waits for its cleanup, or says why it cannot).
        const { lease: _joined, ...rest } = state;
        return { done: true, value: { ...rest, joinVerdict: 'retry' } };
      }
      return { done: false, value: { ...state, joinVerdict: 'waiting' } };
    },
  );
  return polled.value;
});
