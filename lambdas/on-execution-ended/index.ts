import { z } from 'zod';
import { emitReleaseEvent } from '../shared/aws/events';
import { countRollbackFailed } from '../shared/aws/metrics';
import { SWITCHED_PHASES } from '../shared/aws/store';
import { loadRuntimeConfig } from '../shared/config';
import { restoreOrExplain } from '../shared/restore';
import {
  cloudWatchClient,
  elbClient,
  eventsClient,
  leaseStore,
  log,
  releaseHistory,
} from '../shared/runtime';

const eventSchema = z.object({
  detail: z.object({
    executionArn: z.string(),
    status: z.string(),
  }),
});

/**
 * Runs on the state machine's ABORTED and TIMED_OUT status changes. An execution that stopped
 * after its switch is rolled back (stopping a release means rolling it back); in every case its
 * lease is released so the next release is not blocked until the lease expires.
 */
export async function handler(event: unknown): Promise<{ action: string }> {
  const { detail } = eventSchema.parse(event);
  const config = loadRuntimeConfig();
  const store = leaseStore(config);
  const lease = await store.read();
  if (!lease || lease.owner !== detail.executionArn) return { action: 'none: the execution held no lease' };
  const history = releaseHistory(config);
  const finishedAt = new Date().toISOString();
  const reason = `execution ${detail.status === 'TIMED_OUT' ? 'timed out' : 'was stopped'}`;
  const moved = SWITCHED_PHASES.includes(lease.phase) || lease.phase === 'rolling-back';
  if (moved && lease.previous) {
    const restored = await restoreOrExplain(elbClient(), config, lease.previous);
    if (lease.releaseKey) {
      await history.update(
        lease.releaseKey,
        restored.restored
          ? { outcome: 'rolled-back', rolledBackAt: restored.at, finishedAt, reason }
          : { outcome: 'rollback-failed', finishedAt, reason: `${reason}; ${restored.why}` },
      );
    }
    await store.release(lease.owner);
    if (!restored.restored)
      await countRollbackFailed(cloudWatchClient(), config.metricNamespace, config.service);
    await emitReleaseEvent(
      eventsClient(),
      config.eventBusName,
      restored.restored ? 'Release Rolled Back' : 'Rollback Failed',
      {
        service: config.service,
        executionArn: lease.owner,
        message: restored.restored
          ? `${reason}; traffic is back on ${lease.previous}`
          : `${reason}; ${restored.why}`,
        live: restored.restored ? lease.previous : lease.target,
      },
    );
    log('warn', 'cleaned up a stopped execution', { restored: restored.restored, executionArn: lease.owner });
    return {
      action: restored.restored
        ? `restored ${lease.previous}`
        : `could not restore: ${restored.restored ? '' : restored.why}`,
    };
  }
  if (lease.releaseKey) await history.update(lease.releaseKey, { outcome: 'failed', finishedAt, reason });
  await store.release(lease.owner);
  return { action: 'released the lease' };
}
