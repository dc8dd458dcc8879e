import { loadRuntimeConfig } from '../shared/config';
import { RollbackFailed } from '../shared/errors';
import { leaseStore, POLL_BUDGET_MS, releaseHistory, sleep } from '../shared/runtime';
import { parseState, type WorkflowState } from '../shared/state';

export interface JoinedOutput {
  readonly action: 'rollback';
  readonly live: string;
  readonly previous: string;
  /** The version now live again, when the history knows it. */
  readonly version?: string;
  /** The version of the cutover that was rolled back. */
  readonly undid?: string;
  readonly joined: string;
  readonly reason?: string;
}

/**
 * AwaitRollback: this rollback asked a baking cutover to roll back; wait (polling inside the
 * invocation) until that cutover reports traffic restored. If the cutover finished first, the
 * state machine goes round again and performs an ordinary rollback.
 */
export async function handler(
  event: unknown,
): Promise<WorkflowState & { joinVerdict: 'waiting' | 'retry' | 'done'; result?: JoinedOutput }> {
  const state = parseState(event, 'AwaitRollback');
  const joined = state.lease?.joined;
  if (!joined) throw new Error('AwaitRollback ran without a joined cutover');
  const config = loadRuntimeConfig();
  const history = releaseHistory(config);
  const store = leaseStore(config);
  const budgetEnd = Date.now() + POLL_BUDGET_MS;
  for (;;) {
    const record = joined.releaseKey ? await history.get(joined.releaseKey) : undefined;
    if (record?.outcome === 'rolled-back') {
      return {
        ...state,
        joinVerdict: 'done',
        result: {
          action: 'rollback',
          live: record.from,
          previous: record.to,
          // As for any rollback: the version now live (the cutover's own version is in `undid`).
          ...(record.previousVersion ? { version: record.previousVersion } : {}),
          ...(record.version ? { undid: record.version } : {}),
          joined: joined.executionArn,
          ...(state.request.reason ? { reason: state.request.reason } : {}),
        },
      };
    }
    if (record?.outcome === 'rollback-failed') {
      throw new RollbackFailed(
        `cutover ${joined.executionArn} tried to roll back and failed: ${record.reason ?? 'see its execution'}; an operator must restore ${record.from} by hand`,
      );
    }
    const lease = await store.read();
    if (record?.outcome === 'succeeded' || record?.outcome === 'failed' || (!lease && !record)) {
      // It finished without rolling back (the request came too late): roll back the ordinary way.
      const { lease: _joined, ...rest } = state;
      return { ...rest, joinVerdict: 'retry' };
    }
    if (Date.now() + 1000 > budgetEnd) return { ...state, joinVerdict: 'waiting' };
    await sleep(500);
  }
}
