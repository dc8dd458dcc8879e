import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import { isRefusal, isTransient } from '../shared/aws/transient';
import { type Color, CutoverFailed, elapsedMs, IdleNotHealthy, type RuntimeConfig } from '../shared/contract';
import { holdLease } from '../shared/lease';
import { logger } from '../shared/observability';
import { expectLive, type RouterView, routerFor } from '../shared/routers';
import { firstShare } from '../shared/shift';
import { epochSeconds, type Roles, type WorkflowState } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/** Raised for anything that goes wrong after the router write, so the state machine rolls back. */
class SwitchIncomplete extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwitchIncomplete';
  }
}

/** The router gives `side` at least `share` percent: all of it, or a split (a shift step) with that much. */
function holdsShare(view: RouterView, side: Color, share: number): boolean {
  if (view.split) return view.split[side] >= share;
  return view.live === side;
}

/**
 * SwitchTraffic: the one router write that moves all traffic. Fenced by the lease, and preceded by
 * a fresh health read: traffic never moves to a side that was not fully healthy just now.
 */
export const handler = defineRolesStep('SwitchTraffic', async (state, { config }): Promise<WorkflowState> => {
  const { roles } = state;
  const router = routerFor(config);
  const owner = state.execution.arn;
  const share = firstShare(config, state.request.action);
  const view = await router.read();
  // A retry of this step after its write: the lease says we got past the fence, the router agrees.
  const lease = await leaseStore(config).read();
  const written = holdsShare(view, roles.idle, share);
  const alreadySwitched = written && lease?.owner === owner && lease.phase !== 'acquired';
  if (!alreadySwitched) {
    expectLive(router, view, roles.live);
    const health = await router.sideHealth(roles.idle);
    if (!health.healthy) {
      throw new IdleNotHealthy(
        `${roles.idle} stopped being fully healthy just before the switch: ${health.summary}`,
      );
    }
    await holdLease(config, owner, 'switching', 'traffic was not moved', {
      previous: roles.live,
      target: roles.idle,
      releaseKey: roles.releaseKey,
    });
  }

  const at = new Date().toISOString();
  let note: string | undefined;
  if (!written) {
    try {
      // A rollback from the console restores the known-good side: the router may undo more than weights.
      const restore = state.request.action === 'rollback';
      note = (await router.write(roles.idle, share, { restore })) || undefined;
    } catch (error) {
      // Throttling: the state machine retries this step, which reads the router again first.
      if (isTransient(error)) throw error;
      const e = error instanceof Error ? error : new Error(String(error));
      // A refusal (4xx) moved nothing: fail before the switch, traffic untouched.
      if (isRefusal(e)) {
        throw new CutoverFailed(
          `the ${router.kind} refused the switch (${e.name}: ${e.message}); traffic was not moved`,
          {},
          { cause: e },
        );
      }
      // Anything else (a lost connection) may or may not have landed: roll back to be sure.
      throw new SwitchIncomplete(`the router write may not have landed: ${String(error)}`, { cause: e });
    }
    logger.info('switched traffic', { from: roles.live, to: roles.idle, percent: share });
  }
  try {
    const drainSeconds = await router.drainSeconds(roles.live);
    if (roles.releaseKey) await releaseHistory(config).update(roles.releaseKey, { switchedAt: at });
    const phase = state.request.action === 'cutover' ? 'baking' : 'draining';
    if (!(await leaseStore(config).fence(owner, phase, epochSeconds())))
      throw new Error('the lease was lost right after the switch');
    const shift = share < 100 || config.traffic.shift ? { step: 0, percent: share, since: at } : undefined;
    await announceSwitch(config, state, share);
    return {
      ...state,
      // The result reports the gate's warnings once there are some: the note goes to both.
      ...(note ? { roles: { ...roles, warnings: [...roles.warnings, note] } } : {}),
      ...(note && state.gate ? { gate: { ...state.gate, warnings: [...state.gate.warnings, note] } } : {}),
      switched: { at, drainSeconds },
      ...(shift && state.request.action === 'cutover' ? { shift } : {}),
    };
  } catch (error) {
    throw new SwitchIncomplete(
      `after the router write: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
});

/**
 * `Traffic Switched`, once per execution at the write of this step (a retry after the write puts it
 * again). With a gradual shift this is its first step: `percent` is the new side's share now; later
 * steps are not announced, the end event says where traffic ended.
 */
async function announceSwitch(config: RuntimeConfig, state: WorkflowState & { roles: Roles }, share: number) {
  const { roles, request } = state;
  await emitReleaseEvent(config.eventBusName, 'Traffic Switched', {
    service: config.service,
    executionArn: state.execution.arn,
    action: request.action,
    version: request.action === 'cutover' ? request.version : roles.idleVersion,
    live: share >= 50 ? roles.idle : roles.live,
    previous: roles.live,
    to: roles.idle,
    percent: share,
    weights: { [roles.idle]: share, [roles.live]: 100 - share },
    elapsedMs: elapsedMs(state.execution.startedAt),
  });
}
