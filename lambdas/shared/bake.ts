import { describeAlarms } from './aws/alarms';
import type { LeaseStore } from './aws/store';
import type { Color, RuntimeConfig } from './contract';
import type { Router } from './routers';

/** Why a bake or a drain must roll back. */
export interface WatchProblem {
  readonly reason: string;
  readonly alarm?: string;
  readonly requestedBy?: string;
}

export interface WatchScope {
  readonly phase: 'bake' | 'drain';
  readonly config: Pick<RuntimeConfig, 'alarms'>;
  readonly router: Router;
  readonly store: LeaseStore;
  /** This execution: the lease owner. */
  readonly owner: string;
  /** The side that took traffic at the switch. */
  readonly serving: Color;
  /** Watch the alarms and the serving side's health (the bake), not only rollback requests. */
  readonly alarms: boolean;
  /** Watch the lease for rollback requests and for losing it (a cutover; a rollback has no one to ask it). */
  readonly requests: boolean;
}

/**
 * One look of the watch: the alarms, a rollback request or a lost lease, the serving side's health,
 * read together. Answers the first problem, in that order of precedence, or undefined.
 */
export async function watchProblem(scope: WatchScope): Promise<WatchProblem | undefined> {
  const { phase, config, owner } = scope;
  const [found, lease, serving] = await Promise.all([
    scope.alarms && config.alarms.length > 0 ? describeAlarms(config.alarms) : [],
    scope.requests ? scope.store.read() : undefined,
    scope.alarms ? scope.router.sideHealth(scope.serving) : undefined,
  ]);
  const firing = found.find((a) => a.state === 'ALARM');
  if (firing) {
    const why = firing.reason ? `: ${firing.reason}` : '';
    return { reason: `alarm "${firing.name}" went to ALARM during the ${phase}${why}`, alarm: firing.name };
  }
  const request = lease?.owner === owner ? lease.rollbackRequest : undefined;
  if (request) {
    const why = request.reason ? `: ${request.reason}` : '';
    return { reason: `rollback requested by ${request.by}${why}`, requestedBy: request.by };
  }
  if (scope.requests && !lease) {
    // Released by someone else: the execution was stopped and cleaned up, and now runs again
    // (a redrive). Traffic is no longer this execution's to watch.
    return { reason: `this execution no longer holds its lease (it was released) during the ${phase}` };
  }
  if (lease && lease.owner !== owner) {
    return { reason: `this execution lost its lease to ${lease.owner} during the ${phase}` };
  }
  if (serving?.servingProblem) return { reason: `${serving.servingProblem} during the ${phase}` };
  return undefined;
}
