import { SWITCHED_PHASES } from '../shared/aws/store';
import { loadRuntimeConfig } from '../shared/config';
import { CutoverInProgress } from '../shared/errors';
import { leaseStore, log } from '../shared/runtime';
import { epochSeconds, parseState, type WorkflowState } from '../shared/state';

/**
 * AcquireLease: one execution at a time may write this service's router. A rollback that finds a
 * cutover whose traffic already moved does not wait for it: it asks it to roll back (joins it).
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'AcquireLease');
  const config = loadRuntimeConfig();
  const store = leaseStore(config);
  const now = new Date();
  const expiresAt = epochSeconds(now) + config.leaseSeconds;
  const request = state.request;
  const result = await store.acquire(
    {
      owner: state.execution.arn,
      action: request.action,
      ...(request.action === 'cutover' ? { version: request.version } : {}),
      acquiredAt: now.toISOString(),
      expiresAt,
    },
    epochSeconds(now),
  );
  if (result.acquired) return { ...state, lease: { owner: state.execution.arn, expiresAt } };

  const holder = result.holder;
  if (!holder) {
    // The holder released between our write and our read: the next attempt will get it.
    throw new Error('the lease changed hands while it was being taken; retrying');
  }
  if (
    request.action === 'rollback' &&
    !request.dryRun &&
    holder.action === 'cutover' &&
    SWITCHED_PHASES.includes(holder.phase)
  ) {
    const asked = await store.requestRollback(
      holder.owner,
      state.execution.arn,
      now.toISOString(),
      request.reason,
    );
    if (asked) {
      log('info', 'asked the running cutover to roll back', { cutover: holder.owner });
      return {
        ...state,
        lease: {
          owner: holder.owner,
          expiresAt: holder.expiresAt,
          joined: {
            executionArn: holder.owner,
            ...(holder.releaseKey ? { releaseKey: holder.releaseKey } : {}),
          },
        },
      };
    }
  }
  const what =
    holder.action === 'cutover' ? `cutover${holder.version ? ` of "${holder.version}"` : ''}` : 'rollback';
  const hint =
    request.action === 'rollback' && holder.action === 'cutover'
      ? ' it has not moved traffic yet, so there is nothing to roll back in it: stop that execution to abort it, or wait for it'
      : ' wait for it to finish, or stop it (stopping a cutover after its switch rolls it back)';
  throw new CutoverInProgress(
    `another execution holds the lease of this service: ${what} ${holder.owner} (phase ${holder.phase}, since ${holder.acquiredAt});${hint}`,
  );
}
