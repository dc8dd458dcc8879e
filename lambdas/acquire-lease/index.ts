import { type ExecutionState, executionState, ownerExecution } from '../shared/aws/executions';
import { leaseStore } from '../shared/aws/store';
import { LeaseContended } from '../shared/aws/transient';
import { CutoverInProgress, type LeaseItem, type LeasePhase, SWITCHED_PHASES } from '../shared/contract';
import { logger } from '../shared/observability';
import { epochSeconds, type WorkflowState } from '../shared/state';
import { defineStateStep, sleep } from '../shared/step';

/**
 * AcquireLease: one execution at a time may write this service's router. A rollback that finds a
 * cutover whose traffic already moved does not wait for it: it asks it to roll back (joins it).
 */
/**
 * How long a rollback that finds the lease held by a cutover that is no longer running waits for
 * that cutover's cleanup to release it (well inside the step's timeout), before it gives up.
 */
export const DEAD_HOLDER_WAIT_MS = 8_000;
const DEAD_HOLDER_POLL_MS = 1_000;

export const handler = defineStateStep('AcquireLease', async (state, { config }): Promise<WorkflowState> => {
  const store = leaseStore(config);
  const request = state.request;
  const waitUntil = Date.now() + DEAD_HOLDER_WAIT_MS;
  for (;;) {
    const now = new Date();
    const expiresAt = epochSeconds(now) + config.leaseSeconds;
    const result = await store.acquire(
      {
        owner: state.execution.arn,
        action: request.action,
        version: request.action === 'cutover' ? request.version : undefined,
        acquiredAt: now.toISOString(),
        expiresAt,
      },
      epochSeconds(now),
    );
    if (result.acquired) return { ...state, lease: { owner: state.execution.arn, expiresAt } };

    const holder = result.holder;
    if (!holder) {
      // The holder released between our write and our read: the next attempt will get it.
      throw new LeaseContended('the lease changed hands while it was being taken; retrying');
    }
    if (
      request.action === 'rollback' &&
      !request.dryRun &&
      holder.action === 'cutover' &&
      SWITCHED_PHASES.includes(holder.phase)
    ) {
      // Only a running cutover can take the request: a dead one would leave this rollback waiting
      // until its own timeout. Its cleanup rolls it back and frees the lease; wait a little for that.
      const cutover = ownerExecution(holder.owner);
      const status = await executionState(cutover);
      if (status !== 'RUNNING') {
        if (Date.now() + DEAD_HOLDER_POLL_MS <= waitUntil) {
          await sleep(DEAD_HOLDER_POLL_MS);
          continue;
        }
        throw new CutoverInProgress(deadHolderCause(cutover, status, holder));
      }
      const asked = await store.requestRollback(
        holder.owner,
        state.execution.arn,
        now.toISOString(),
        request.reason,
      );
      if (asked) {
        logger.info('asked the running cutover to roll back', { cutover: holder.owner });
        return {
          ...state,
          lease: {
            owner: holder.owner,
            expiresAt: holder.expiresAt,
            joined: { executionArn: holder.owner, releaseKey: holder.releaseKey },
          },
        };
      }
    }
    const what =
      holder.action === 'cutover' ? `cutover${holder.version ? ` of "${holder.version}"` : ''}` : 'rollback';
    const hint = leaseHint(request.action, request.dryRun, holder.action, holder.phase);
    throw new CutoverInProgress(
      `another execution holds the lease of this service: ${what} ${holder.owner} (phase ${holder.phase}, since ${holder.acquiredAt});${hint}`,
    );
  }
});

/** Why a rollback does not join a cutover that holds the lease but no longer runs, and what to do. */
function deadHolderCause(
  cutover: string,
  status: ExecutionState,
  holder: Pick<LeaseItem, 'phase' | 'version' | 'expiresAt'>,
): string {
  const ended = status === 'MISSING' ? 'Step Functions has no such execution' : `its status is ${status}`;
  const expires = new Date(holder.expiresAt * 1000).toISOString();
  return (
    `the lease of this service is held by cutover${holder.version ? ` of "${holder.version}"` : ''} ${cutover} (phase ${holder.phase}), which is no longer running (${ended}), so this rollback cannot join it;` +
    ` its cleanup rolls it back and frees the lease: start the rollback again once it has (check the traffic first), or after the lease expires at ${expires}`
  );
}

/** What the refused execution should do next, given what the holder is doing. */
function leaseHint(
  action: 'cutover' | 'rollback',
  dryRun: boolean,
  holderAction: 'cutover' | 'rollback',
  phase: LeasePhase,
): string {
  if (action !== 'rollback' || holderAction !== 'cutover')
    return ' wait for it to finish, or stop it (stopping a cutover after its switch rolls it back)';
  if (phase === 'rolling-back' || phase === 'finishing')
    return ` it is already ${phase === 'rolling-back' ? 'rolling back' : 'finishing'}: wait for it, then start the rollback again if traffic is not where you want it`;
  if (SWITCHED_PHASES.includes(phase))
    return dryRun
      ? ' it has moved traffic; a rollback without dryRun would ask it to roll back'
      : ' it moved traffic but did not take the rollback request (it is just finishing); start the rollback again';
  return ' it has not moved traffic yet, so there is nothing to roll back in it: stop that execution to abort it, or wait for it';
}
