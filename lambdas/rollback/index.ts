import { emitReleaseEvent } from '../shared/aws/events';
import { countRollbackFailed } from '../shared/aws/metrics';
import { loadRuntimeConfig } from '../shared/config';
import { parseTaskFailure } from '../shared/errors';
import { currentLive } from '../shared/live';
import { failureOutcome, type Outcome } from '../shared/outcome';
import { restoreOrExplain } from '../shared/restore';
import {
  cloudWatchClient,
  elbClient,
  eventsClient,
  leaseStore,
  log,
  releaseHistory,
} from '../shared/runtime';
import { epochSeconds, parseState, requireRoles } from '../shared/state';

/**
 * Rollback: after the switch, something went wrong (an alarm, the new side's health, a rollback
 * request, a failed step). Traffic goes back to the previous side, unless that side is not healthy
 * or the lease was lost; then the execution ends in RollbackFailed with what an operator must do.
 */
export async function handler(event: unknown): Promise<{ outcome: Outcome }> {
  const state = parseState(event, 'Rollback');
  const roles = requireRoles(state, 'Rollback');
  const config = loadRuntimeConfig();
  const elb = elbClient();
  const owner = state.execution.arn;
  const version = state.request.action === 'cutover' ? state.request.version : roles.idleVersion;
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
  const restored = fenced
    ? await restoreOrExplain(elb, config, roles.live)
    : (await currentLive(elb, config)) === roles.live
      ? { restored: true as const, at: new Date().toISOString(), alreadyThere: true }
      : {
          restored: false as const,
          why: 'this execution no longer holds the lease, so it must not write the listener',
        };
  const history = releaseHistory(config);
  const finishedAt = new Date().toISOString();

  if (restored.restored) {
    if (roles.releaseKey) {
      await history.update(roles.releaseKey, {
        outcome: 'rolled-back',
        rolledBackAt: watch?.restoredAt ?? restored.at,
        finishedAt,
        reason,
      });
    }
    if (fenced) await store.release(owner);
    log('warn', 'rolled back', { reason, live: roles.live });
    const cause = {
      message: `${reason}; traffic is back on ${roles.live}`,
      ...(watch?.alarm ? { alarm: watch.alarm } : {}),
      live: roles.live,
      previous: roles.idle,
      ...(version ? { version } : {}),
    };
    await emitReleaseEvent(eventsClient(), config.eventBusName, 'Release Rolled Back', {
      service: config.service,
      executionArn: owner,
      ...cause,
    });
    return { outcome: failureOutcome('RolledBack', cause) };
  }

  const live = await currentLive(elb, config);
  const message = `${reason}; the rollback to ${roles.live} failed: ${restored.why}. Traffic is on ${live}. An operator must check the listener ${config.traffic.listenerArn}, make ${roles.live} healthy (or fix ${roles.idle}), then start {"action":"rollback"} or set the weights by hand`;
  log('error', 'rollback failed', { reason, why: restored.why, live });
  if (roles.releaseKey)
    await history.update(roles.releaseKey, {
      outcome: 'rollback-failed',
      finishedAt,
      reason,
      error: 'RollbackFailed',
    });
  if (fenced) await store.release(owner);
  await countRollbackFailed(cloudWatchClient(), config.metricNamespace, config.service);
  const cause = {
    message,
    ...(watch?.alarm ? { alarm: watch.alarm } : {}),
    live,
    previous: roles.live,
    ...(version ? { version } : {}),
  };
  await emitReleaseEvent(eventsClient(), config.eventBusName, 'Rollback Failed', {
    service: config.service,
    executionArn: owner,
    ...cause,
  });
  return { outcome: failureOutcome('RollbackFailed', cause) };
}
