import { describeAlarms } from './aws/alarms';
import type { LeaseStore } from './aws/store';
import type { Color, RuntimeConfig } from './contract';
import type { Router } from './routers';
import type { ShiftPosition } from './shift';
import { epochSeconds } from './state';

/** Why a bake or a drain must roll back. */
export interface WatchProblem {
  readonly reason: string;
  readonly alarm?: string;
  readonly requestedBy?: string;
}

/**
 * The alarms a cutover let fire at the gate (`allowFiringAlarms`). Each is ignored while in ALARM
 * until a look sees it OK (INSUFFICIENT_DATA is not "returned": it says nothing about the fix);
 * from then on it is watched like the others. The watch updates `returned` and `last` as it looks.
 */
export class AllowedAlarms {
  readonly returned: Set<string>;
  /** The state each allowed alarm had at the last look. */
  readonly last = new Map<string, string>();

  constructor(
    readonly names: readonly string[],
    returned: readonly string[] = [],
    readonly reason?: string,
  ) {
    this.returned = new Set(returned.filter((name) => names.includes(name)));
  }

  /** Records what a look saw; answers whether `alarm` counts (false: allowed and not yet returned). */
  watches(alarm: { readonly name: string; readonly state: string }): boolean {
    if (!this.names.includes(alarm.name)) return true;
    this.last.set(alarm.name, alarm.state);
    if (alarm.state === 'OK') this.returned.add(alarm.name);
    return this.returned.has(alarm.name);
  }

  /** At the end of the bake: one warning per allowed alarm that never returned to OK. */
  warnings(phase: string): string[] {
    const why = this.reason ? ` (allowFiringAlarms: ${this.reason})` : ' (allowFiringAlarms)';
    return this.names
      .filter((name) => !this.returned.has(name))
      .map((name) => {
        const state = this.last.get(name) ?? 'ALARM';
        return state === 'ALARM'
          ? `alarm "${name}" was still in ALARM at the end of the ${phase}${why}: it never returned to OK, so the ${phase} could not watch it; check that the release fixed it`
          : `alarm "${name}" never returned to OK during the ${phase}${why}, it is ${state}: the ${phase} could not watch it`;
      });
  }
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
  /** The alarms the cutover let fire at the gate, if any. */
  readonly allowFiring?: AllowedAlarms;
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
  // Every alarm goes through `watches`, so that each look records the allowed ones' states.
  const counted = found.filter((a) => scope.allowFiring?.watches(a) ?? true);
  const firing = counted.find((a) => a.state === 'ALARM');
  if (firing) {
    const why = firing.reason ? `: ${firing.reason}` : '';
    const again = scope.allowFiring?.names.includes(firing.name) ? ' again after it had returned to OK' : '';
    return {
      reason: `alarm "${firing.name}" went to ALARM${again} during the ${phase}${why}`,
      alarm: firing.name,
    };
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

export interface ShiftStepScope {
  readonly router: Router;
  readonly store: LeaseStore;
  readonly owner: string;
  /** The side traffic moves to. */
  readonly serving: Color;
  readonly position: ShiftPosition;
  readonly next: { readonly step: number; readonly percent: number };
}

/**
 * The next share of a gradual shift: written only when the new side is fully healthy now, the
 * router holds the share this execution wrote last (or already the next one, after a retried step),
 * and the lease is still this execution's. Anything else is a problem: the watch rolls back.
 */
export async function shiftStep(
  scope: ShiftStepScope,
): Promise<{ since: string } | { problem: WatchProblem }> {
  const { router, serving, position, next } = scope;
  const [health, view] = await Promise.all([router.sideHealth(serving), router.read()]);
  const share = view.split ? view.split[serving] : view.live === serving ? 100 : 0;
  if (share === next.percent) return { since: new Date().toISOString() };
  if (share !== position.percent) {
    return {
      problem: {
        reason: `the ${router.kind} changed during the shift: ${serving} should have ${position.percent}% of the traffic, it has ${share}% (someone else wrote ${router.name})`,
      },
    };
  }
  if (!health.healthy) {
    return {
      problem: {
        reason: `${serving} was not fully healthy when its share was to grow from ${position.percent}% to ${next.percent}%: ${health.summary}`,
      },
    };
  }
  if (!(await scope.store.fence(scope.owner, 'baking', epochSeconds()))) {
    return { problem: { reason: `this execution lost its lease before shift step ${next.percent}%` } };
  }
  await router.write(serving, next.percent);
  return { since: new Date().toISOString() };
}
