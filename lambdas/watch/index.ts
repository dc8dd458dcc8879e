import * as z from 'zod';
import { leaseStore } from '../shared/aws/store';
import { AllowedAlarms, shiftStep, watchProblem } from '../shared/bake';
import { logger } from '../shared/observability';
import { restoreTraffic } from '../shared/restore';
import { routerFor } from '../shared/routers';
import { nextStep, watchEnd } from '../shared/shift';
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
    const position = state.shift;
    const until = continuing
      ? Date.parse(state.watch!.until)
      : phase === 'bake'
        ? position
          ? watchEnd(config, position)
          : Date.parse(switched.at) + config.bakeSeconds * 1000
        : // No new request reached the old side after its last share moved: its last one ends by then + drain.
          Date.parse(position?.since ?? switched.at) + switched.drainSeconds * 1000;
    const { request } = state;
    const allowFiring =
      phase === 'bake' && request.action === 'cutover' && request.allowFiringAlarms
        ? new AllowedAlarms(
            request.allowFiringAlarms,
            continuing ? state.watch!.returned : [],
            request.reason,
          )
        : undefined;
    const watching = {
      ...{ phase, config, router, store, owner, serving: roles.idle },
      alarms: phase === 'bake',
      requests: request.action === 'cutover',
      allowFiring,
    };

    const polled = await pollUntil(
      step,
      { intervalMs: WATCH_INTERVAL_MS, until, lookAtUntil: true },
      async () => {
        const problem = await watchProblem(watching);
        return { done: problem !== undefined, value: problem };
      },
    );
    // Survives the invocations of the bake (and its shift steps): seen OK once, watched from then on.
    const returned = allowFiring ? [...allowFiring.returned] : undefined;
    const watch = { phase, until: new Date(until).toISOString(), returned };
    const next = phase === 'bake' && position ? nextStep(config, position) : undefined;
    let problem = polled.value;
    if (!problem && polled.stop === 'expired' && position && next) {
      // The step held: the next share, if the new side is still fully healthy and the router is as written.
      const stepped = await shiftStep({ router, store, owner, serving: roles.idle, position, next });
      if ('problem' in stepped) problem = stepped.problem;
      else {
        const moved = { ...position, ...next, since: stepped.since };
        return {
          ...state,
          shift: moved,
          watch: {
            phase,
            until: new Date(watchEnd(config, moved)).toISOString(),
            verdict: 'continue',
            returned,
          },
        };
      }
    }
    if (!problem) {
      const done = polled.stop === 'expired';
      const unwatched = done && allowFiring ? allowFiring.warnings(phase) : [];
      for (const warning of unwatched) logger.warn('allowed alarm never returned to OK', { warning });
      // Finalize reports the gate's warnings: the bake's join them.
      const gate =
        state.gate && unwatched.length > 0
          ? { ...state.gate, warnings: [...state.gate.warnings, ...unwatched] }
          : state.gate;
      return { ...state, gate, watch: { ...watch, verdict: done ? 'done' : 'continue' } };
    }
    logger.warn('rolling back', { phase, ...problem });
    // Without the lease another execution owns the router: leave it alone, the Rollback step reports it.
    const fenced = await store.fence(owner, 'rolling-back', epochSeconds());
    const restored = fenced ? await restoreTraffic(router, roles.live) : undefined;
    const restoredAt = restored?.restored ? restored.at : undefined;
    const capacity = restored?.restored ? restored.capacity : undefined;
    const restoreNote = restored?.restored ? restored.note : undefined;
    return {
      ...state,
      watch: { ...watch, verdict: 'rollback', ...problem, restoredAt, capacity, restoreNote },
    };
  },
);
