import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import { elapsedMs, failureOutcome, type Outcome, parseTaskFailure } from '../shared/contract';
import { countRollbackFailed } from '../shared/metrics';
import { logger } from '../shared/observability';
import { currentLive, type RestoreResult, restoreOrExplain } from '../shared/restore';
import { routerFor } from '../shared/routers';
import { epochSeconds } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/**
 * Rollback: after the switch, something went wrong (an alarm, the new side's health, a rollback
 * request, a failed step). Traffic goes back to the previous side, unless that side is not healthy
 * or the lease was lost; then the execution ends in RollbackFailed with what an operator must do.
 */
export const handler = defineRolesStep(
  'Rollback',
  async (state, { config }): Promise<{ outcome: Outcome }> => {
    const { roles } = state;
    const router = routerFor(config);
    const owner = state.execution.arn;
    const watch = state.watch?.verdict === 'rollback' ? state.watch : undefined;
    const failure = state.failure ? parseTaskFailure(state.failure) : undefined;
    const reason =
      watch?.reason ??
      (failure
        ? `step ${state.failedStep ?? '?'} failed after the switch: ${failure.payload.message}`
        : 'rollback after the switch');

    const store = leaseStore(config);
    const fenced = await store.fence(owner, 'rolling-back', epochSeconds());
    // Without the lease it must not write; a retry after an earlier attempt restored traffic and gave
    // the lease up finds the router already back, which is success.
    const restored: RestoreResult = fenced
      ? await restoreOrExplain(router, roles.live)
      : (await currentLive(router)) === roles.live
        ? { restored: true, at: new Date().toISOString(), alreadyThere: true }
        : {
            restored: false,
            why: `this execution no longer holds the lease, so it must not write the ${router.kind}`,
          };
    const finishedAt = new Date().toISOString();
    const live = restored.restored ? roles.live : await currentLive(router);
    const capacity = restored.restored ? (restored.capacity ?? watch?.capacity) : undefined;
    const note = restored.restored ? (restored.note ?? watch?.restoreNote) : undefined;
    const message = restored.restored
      ? `${reason}; traffic is back on ${roles.live}${capacity ? `; ${capacity}` : ''}${note ? `; ${note}` : ''}`
      : `${reason}; the rollback to ${roles.live} failed: ${restored.why}. Traffic is on ${live}. An operator must check the ${router.name}, make ${roles.live} healthy (or fix ${roles.idle}), then start {"action":"rollback"} or set the weights by hand`;
    if (roles.releaseKey) {
      await releaseHistory(config).update(
        roles.releaseKey,
        restored.restored
          ? { outcome: 'rolled-back', rolledBackAt: watch?.restoredAt ?? restored.at, finishedAt, reason }
          : { outcome: 'rollback-failed', finishedAt, reason, error: 'RollbackFailed' },
      );
    }
    if (fenced) await store.release(owner);
    if (restored.restored) logger.warn('rolled back', { reason, live });
    else {
      logger.error('rollback failed', { reason, why: restored.why, live });
      countRollbackFailed(config);
    }
    const cause = {
      message,
      alarm: watch?.alarm,
      live,
      previous: restored.restored ? roles.idle : roles.live,
      version: state.request.action === 'cutover' ? state.request.version : roles.idleVersion,
    };
    const [error, detailType] = restored.restored
      ? (['RolledBack', 'Release Rolled Back'] as const)
      : (['RollbackFailed', 'Rollback Failed'] as const);
    await emitReleaseEvent(config.eventBusName, detailType, {
      service: config.service,
      executionArn: owner,
      action: state.request.action,
      ...cause,
      error,
      cause: message,
      elapsedMs: elapsedMs(state.execution.startedAt),
    });
    return { outcome: failureOutcome(error, cause) };
  },
);
