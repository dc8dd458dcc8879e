import * as z from 'zod';
import { leaseStore } from '../shared/aws/store';
import { AllowedAlarms, shiftStep, type WatchProblem, watchProblem } from '../shared/bake';
import { AfterTrafficHook } from '../shared/hooks';
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

    const next = phase === 'bake' && position ? nextStep(config, position) : undefined;
    // afterTraffic runs once all traffic is on the new side: in the bake after the last shift step.
    const afterHook = phase === 'bake' && !next ? AfterTrafficHook.of(step, { ...state, roles }) : undefined;
    const hookProblem = (reason: string | undefined): WatchProblem | undefined =>
      reason ? { reason } : undefined;
    // The bake ends when its time is over and the hook has succeeded; the hook has until its deadline.
    const pollEnd = afterHook && !afterHook.succeeded ? Math.max(until, afterHook.deadline) : until;

    const polled = await pollUntil(
      step,
      { intervalMs: WATCH_INTERVAL_MS, until: pollEnd, lookAtUntil: true },
      async () => {
        const problem = (await watchProblem(watching)) ?? hookProblem(afterHook?.look());
        const baked = afterHook?.succeeded === true && Date.now() >= until;
        return { done: problem !== undefined || baked, value: problem };
      },
    );
    // Survives the invocations of the bake (and its shift steps): seen OK once, watched from then on.
    const returned = allowFiring ? [...allowFiring.returned] : undefined;
    const watch = { phase, until: new Date(until).toISOString(), returned };
    const withHook = (s: WorkflowState): WorkflowState =>
      afterHook ? { ...s, hooks: { ...s.hooks, afterTraffic: afterHook.progress() } } : s;
    let problem = polled.value;
    if (!problem && afterHook && !afterHook.succeeded) {
      // A call still running is waited for, so its answer counts (or is kept for the next invocation).
      problem = hookProblem(await afterHook.settle());
    }
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
      // With an afterTraffic hook the bake is over once its time is and the hook has succeeded.
      const done = afterHook ? afterHook.succeeded && Date.now() >= until : polled.stop === 'expired';
      const unwatched = done && allowFiring ? allowFiring.warnings(phase) : [];
      for (const warning of unwatched) logger.warn('allowed alarm never returned to OK', { warning });
      // Finalize reports the gate's warnings: the bake's join them.
      const gate =
        state.gate && unwatched.length > 0
          ? { ...state.gate, warnings: [...state.gate.warnings, ...unwatched] }
          : state.gate;
      return withHook({ ...state, gate, watch: { ...watch, verdict: done ? 'done' : 'continue' } });
    }
    logger.warn('rolling back', { phase, ...problem });
    // Without the lease another execution owns the router: leave it alone, the Rollback step reports it.
    const fenced = await store.fence(owner, 'rolling-back', epochSeconds());
    const restored = fenced ? await restoreTraffic(router, roles.live) : undefined;
    const restoredAt = restored?.restored ? restored.at : undefined;
    const capacity = restored?.restored ? restored.capacity : undefined;
    const restoreNote = restored?.restored ? restored.note : undefined;
    return withHook({
      ...state,
      watch: { ...watch, verdict: 'rollback', ...problem, restoredAt, capacity, restoreNote },
    });
  },
);
