import { z } from 'zod';
import { describeAlarms } from '../shared/aws/alarms';
import { describeTargetHealth } from '../shared/aws/elb';
import { loadRuntimeConfig } from '../shared/config';
import { restoreTraffic } from '../shared/restore';
import { bakeHealthProblem } from '../shared/router';
import { cloudWatchClient, elbClient, leaseStore, log, POLL_BUDGET_MS, sleep } from '../shared/runtime';
import { epochSeconds, parseState, requireRoles, type WorkflowState } from '../shared/state';

const phaseSchema = z.object({ phase: z.enum(['bake', 'drain']) });

/** How often the bake looks: the rollback bar is one second from ALARM to restored traffic. */
const WATCH_INTERVAL_MS = 1000;

interface Problem {
  readonly reason: string;
  readonly alarm?: string;
  readonly requestedBy?: string;
}

/**
 * Bake and Drain. Bake: every second, the alarms, the new side's target health and the lease (for a
 * rollback request); at the first problem it flips the router back itself, in this invocation, so
 * the time from ALARM to restored traffic is one poll plus one write. Drain: waits until the old
 * side's longest request (its deregistration delay, counted from the switch) has ended, still
 * honouring a rollback request; a bake at least that long leaves nothing to drain.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'Watch');
  const { phase } = phaseSchema.parse(event);
  const roles = requireRoles(state, phase);
  const config = loadRuntimeConfig();
  if (!state.switched) throw new Error(`${phase} ran before SwitchTraffic`);
  const elb = elbClient();
  const store = leaseStore(config);
  const owner = state.execution.arn;

  const continuing = state.watch?.phase === phase && state.watch.verdict === 'continue';
  const until = continuing
    ? Date.parse(state.watch!.until)
    : phase === 'bake'
      ? Date.parse(state.switched.at) + config.bakeSeconds * 1000
      : // No new request reached the old side after the switch: its last one ends by switch + delay.
        Date.parse(state.switched.at) + state.switched.drainSeconds * 1000;
  const budgetEnd = Date.now() + POLL_BUDGET_MS;
  const watchAlarms = phase === 'bake';
  const watchRequests = state.request.action === 'cutover';

  for (;;) {
    const problem = await look(phase, watchAlarms, watchRequests);
    if (problem) {
      log('warn', 'rolling back', { phase, ...problem });
      // Without the lease another execution owns the router: leave it alone, the Rollback step reports it.
      const fenced = await store.fence(owner, 'rolling-back', epochSeconds());
      const restored = fenced ? await restoreTraffic(elb, config, roles.live) : { restored: false as const };
      return {
        ...state,
        watch: {
          phase,
          until: new Date(until).toISOString(),
          verdict: 'rollback',
          ...problem,
          ...(restored.restored ? { restoredAt: restored.at } : {}),
        },
      };
    }
    const now = Date.now();
    if (now >= until)
      return { ...state, watch: { phase, until: new Date(until).toISOString(), verdict: 'done' } };
    if (now >= budgetEnd)
      return { ...state, watch: { phase, until: new Date(until).toISOString(), verdict: 'continue' } };
    await sleep(Math.min(WATCH_INTERVAL_MS, until - now));
  }

  async function look(current: string, alarms: boolean, requests: boolean): Promise<Problem | undefined> {
    const [found, lease, targets] = await Promise.all([
      alarms && config.alarms.length > 0
        ? describeAlarms(cloudWatchClient(), config.alarms)
        : Promise.resolve([]),
      requests ? store.read() : Promise.resolve(undefined),
      alarms ? describeTargetHealth(elb, roles.idleTargetGroupArn) : Promise.resolve([]),
    ]);
    const firing = found.find((a) => a.state === 'ALARM');
    if (firing) {
      return {
        reason: `alarm "${firing.name}" went to ALARM during the ${current}${firing.reason ? `: ${firing.reason}` : ''}`,
        alarm: firing.name,
      };
    }
    if (requests && lease?.owner === owner && lease.rollbackRequest) {
      const by = lease.rollbackRequest;
      return {
        reason: `rollback requested by ${by.by}${by.reason ? `: ${by.reason}` : ''}`,
        requestedBy: by.by,
      };
    }
    if (requests && lease && lease.owner !== owner) {
      return { reason: `this execution lost its lease to ${lease.owner} during the ${current}` };
    }
    if (alarms) {
      const unhealthy = bakeHealthProblem(roles.idle, targets);
      if (unhealthy) return { reason: `${unhealthy} during the ${current}` };
    }
    return undefined;
  }
}
