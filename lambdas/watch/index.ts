import * as z from 'zod';
import { leaseStore } from '../shared/aws/store';
import { watchProblem } from '../shared/bake';
import { logger } from '../shared/observability';
import { restoreTraffic } from '../shared/restore';
import { routerFor } from '../shared/routers';
import { epochSeconds, stepEventSchema, type WorkflowState } from '../shared/state';
import { defineStep, pollUntil } from '../shared/step';

const eventSchema = stepEventSchema.extend({ phase: z.enum(['bake', 'drain']) });

/** How often the bake looks: the rollback bar is one second from ALARM to restored traffic. */
const WATCH_INTERVAL_MS = 1000;

/**
 * Bake and Drain. Bake: every second, the alarms, the new side's health and the lease (for a
 * rollback request); at the first problem it flips the router back itself, in this invocation, so
 * the time from ALARM to restored traffic is one poll plus one write. Drain: waits until the old
 * side's longest request (its drain time, counted from the switch) has ended, still honouring a
 * rollback request; a bake at least that long leaves nothing to drain.
 */
export const handler = defineStep(
  'Watch',
  eventSchema,
  async ({ state, phase }, step): Promise<WorkflowState> => {
    const { config } = step;
    const { roles, switched } = state;
    if (!roles) throw new Error(`${phase} ran before ResolveRoles: the state has no roles`);
    if (!switched) throw new Error(`${phase} ran before SwitchTraffic`);
    const router = routerFor(config);
    const store = leaseStore(config);
    const owner = state.execution.arn;
    const continuing = state.watch?.phase === phase && state.watch.verdict === 'continue';
    const until = continuing
      ? Date.parse(state.watch!.until)
      : // No new request reached the old side after the switch: its last one ends by switch + drain.
        Date.parse(switched.at) + (phase === 'bake' ? config.bakeSeconds : switched.drainSeconds) * 1000;
    const watching = {
      ...{ phase, config, router, store, owner, serving: roles.idle },
      alarms: phase === 'bake',
      requests: state.request.action === 'cutover',
    };

    const polled = await pollUntil(
      step,
      { intervalMs: WATCH_INTERVAL_MS, until, lookAtUntil: true },
      async () => {
        const problem = await watchProblem(watching);
        return { done: problem !== undefined, value: problem };
      },
    );
    const watch = { phase, until: new Date(until).toISOString() };
    const problem = polled.value;
    if (!problem) {
      return { ...state, watch: { ...watch, verdict: polled.stop === 'expired' ? 'done' : 'continue' } };
    }
    logger.warn('rolling back', { phase, ...problem });
    // Without the lease another execution owns the router: leave it alone, the Rollback step reports it.
    const fenced = await store.fence(owner, 'rolling-back', epochSeconds());
    const restored = fenced ? await restoreTraffic(router, roles.live) : undefined;
    const restoredAt = restored?.restored ? restored.at : undefined;
    return { ...state, watch: { ...watch, verdict: 'rollback', ...problem, restoredAt } };
  },
);
