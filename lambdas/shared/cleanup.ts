import { emitReleaseEvent } from './aws/events';
import { leaseStore, releaseHistory } from './aws/store';
import { type Color, elapsedMs, type LeaseItem, type RuntimeConfig } from './contract';
import { countRollbackFailed } from './metrics';
import { logger } from './observability';
import { currentLive, restoreOrExplain } from './restore';
import { routerFor } from './routers';

/**
 * What happens to an execution that ended while it still held the lease: stopped, timed out, or
 * failed because its own Rollback or Abort step crashed. This is the cleanup the state machine did
 * not get to do. A crash is always announced and, once traffic had moved, counted in RollbackFailed:
 * the execution itself ended without saying where traffic is. Each answers what it did.
 */

/** The ended execution and its lease, as the cleanup holds it (the owner may be the cleanup's own). */
export interface StoppedLease {
  readonly lease: LeaseItem;
  readonly executionArn: string;
}

/** An execution stopped before it moved traffic: its record fails and its lease is free. */
export async function releaseStoppedLease(
  config: RuntimeConfig,
  { lease, executionArn }: StoppedLease,
  reason: string,
  crashed: boolean,
): Promise<string> {
  if (lease.releaseKey) {
    await releaseHistory(config).update(lease.releaseKey, {
      outcome: 'failed',
      finishedAt: new Date().toISOString(),
      reason,
    });
  }
  await leaseStore(config).release(lease.owner);
  if (crashed) {
    await emitReleaseEvent(config.eventBusName, 'Release Failed', {
      service: config.service,
      executionArn,
      action: lease.action,
      error: 'CutoverFailed',
      cause: `${reason}; traffic was not moved`,
      message: `${reason}; traffic was not moved`,
      live: await currentLive(routerFor(config)),
      version: lease.version,
      elapsedMs: elapsedMs(lease.acquiredAt),
    });
  }
  return 'released the lease';
}

/** A cutover stopped after its switch is rolled back: stopping a release means rolling it back. */
export async function rollBackStoppedCutover(
  config: RuntimeConfig,
  { lease, executionArn }: StoppedLease,
  previous: Color,
  reason: string,
  crashed: boolean,
): Promise<string> {
  const history = releaseHistory(config);
  const finishedAt = new Date().toISOString();
  const restored = await restoreOrExplain(routerFor(config), previous);
  if (lease.releaseKey) {
    await history.update(
      lease.releaseKey,
      restored.restored
        ? {
            outcome: 'rolled-back',
            rolledBackAt: restored.at,
            finishedAt,
            reason: restored.note ? `${reason}; ${restored.note}` : reason,
          }
        : { outcome: 'rollback-failed', finishedAt, reason: `${reason}; ${restored.why}` },
    );
  }
  await leaseStore(config).release(lease.owner);
  const failed = crashed || !restored.restored;
  if (failed) countRollbackFailed(config);
  const message = restored.restored
    ? `${reason}; traffic is back on ${previous}${restored.note ? `; ${restored.note}` : ''}`
    : `${reason}; ${restored.why}`;
  await emitReleaseEvent(config.eventBusName, failed ? 'Rollback Failed' : 'Release Rolled Back', {
    service: config.service,
    executionArn,
    action: lease.action,
    version: lease.version,
    error: failed ? 'RollbackFailed' : 'RolledBack',
    cause: message,
    message,
    live: restored.restored ? previous : (lease.target ?? 'unknown'),
    previous: restored.restored ? lease.target : previous,
    elapsedMs: elapsedMs(lease.acquiredAt),
  });
  logger.warn('cleaned up a stopped execution', { restored: restored.restored, executionArn });
  return restored.restored ? `restored ${previous}` : `could not restore: ${restored.why}`;
}

/**
 * A rollback stopped after its switch keeps traffic where it is. If its switch landed, it did its
 * job (only the drain was cut short) and the release it undid counts as rolled back, so no later
 * rollback returns to it; otherwise it failed. Either way the lease is free again.
 */
export async function closeStoppedRollback(
  config: RuntimeConfig,
  { lease, executionArn }: StoppedLease,
  reason: string,
  crashed: boolean,
): Promise<string> {
  const history = releaseHistory(config);
  const live = await currentLive(routerFor(config));
  const landed = live === lease.target;
  const finishedAt = new Date().toISOString();
  const record = lease.releaseKey ? await history.get(lease.releaseKey) : undefined;
  if (record) {
    await history.update(record.key, {
      outcome: landed ? 'succeeded' : 'failed',
      finishedAt,
      reason: `${reason} after its switch; traffic was left on ${live}`,
    });
    if (landed && record.undoes) {
      await history.update(record.undoes, {
        outcome: 'rolled-back',
        rolledBackAt: record.switchedAt ?? finishedAt,
      });
    }
  }
  await leaseStore(config).release(lease.owner);
  if (crashed) {
    countRollbackFailed(config);
    await emitReleaseEvent(config.eventBusName, 'Rollback Failed', {
      service: config.service,
      executionArn,
      action: lease.action,
      version: lease.version,
      error: 'RollbackFailed',
      cause: `${reason}; traffic was left on ${live}`,
      message: `${reason}; traffic was left on ${live}`,
      live,
      elapsedMs: elapsedMs(lease.acquiredAt),
    });
  }
  logger.warn('released the lease of a stopped rollback', { live, executionArn });
  return `released the lease; traffic left on ${live}`;
}
