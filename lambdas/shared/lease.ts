import { leaseStore } from './aws/store';
import { CutoverFailed, type LeaseItem, type LeasePhase, type RuntimeConfig } from './contract';
import { epochSeconds } from './state';

/**
 * The fence before a router write: this execution must still hold the lease. Losing it (it expired
 * and another execution took it) means another execution owns the router now, so nothing is written.
 */
export async function holdLease(
  config: Pick<RuntimeConfig, 'tableName' | 'service'>,
  owner: string,
  phase: LeasePhase,
  consequence: string,
  extra: Partial<Pick<LeaseItem, 'previous' | 'target' | 'releaseKey'>> = {},
): Promise<void> {
  if (!(await leaseStore(config).fence(owner, phase, epochSeconds(), extra))) {
    throw new CutoverFailed(
      `this execution no longer holds the lease (it expired and another execution took it); ${consequence}`,
    );
  }
}
