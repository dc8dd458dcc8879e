import * as z from 'zod';
import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import { SWITCHED_PHASES } from '../shared/contract';
import { countRollbackFailed } from '../shared/metrics';
import { logger } from '../shared/observability';
import { restoreOrExplain } from '../shared/restore';
import { routerFor } from '../shared/routers';
import { defineStep } from '../shared/step';

const eventSchema = z.object({ detail: z.object({ executionArn: z.string(), status: z.string() }) });

/**
 * Runs on the state machine's ABORTED and TIMED_OUT status changes. An execution that stopped
 * after its switch is rolled back (stopping a release means rolling it back); in every case its
 * lease is released so the next release is not blocked until the lease expires.
 */
export const handler = defineStep(
  'OnExecutionEnded',
  eventSchema,
  async ({ detail }, { config }): Promise<{ action: string }> => {
    const store = leaseStore(config);
    const lease = await store.read();
    if (!lease || lease.owner !== detail.executionArn) return { action: 'none: the execution held no lease' };
    const history = releaseHistory(config);
    const finishedAt = new Date().toISOString();
    const reason = `execution ${detail.status === 'TIMED_OUT' ? 'timed out' : 'was stopped'}`;
    const moved = SWITCHED_PHASES.includes(lease.phase) || lease.phase === 'rolling-back';
    if (!moved || !lease.previous) {
      if (lease.releaseKey) await history.update(lease.releaseKey, { outcome: 'failed', finishedAt, reason });
      await store.release(lease.owner);
      return { action: 'released the lease' };
    }
    const restored = await restoreOrExplain(routerFor(config), lease.previous);
    if (lease.releaseKey) {
      await history.update(
        lease.releaseKey,
        restored.restored
          ? { outcome: 'rolled-back', rolledBackAt: restored.at, finishedAt, reason }
          : { outcome: 'rollback-failed', finishedAt, reason: `${reason}; ${restored.why}` },
      );
    }
    await store.release(lease.owner);
    if (!restored.restored) countRollbackFailed(config);
    await emitReleaseEvent(
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
    logger.warn('cleaned up a stopped execution', { restored: restored.restored, executionArn: lease.owner });
    return {
      action: restored.restored ? `restored ${lease.previous}` : `could not restore: ${restored.why}`,
    };
  },
);
