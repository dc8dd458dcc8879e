import {
  deregistrationDelaySeconds,
  describeListener,
  describeTargetHealth,
  writeForward,
} from '../shared/aws/elb';
import { loadRuntimeConfig } from '../shared/config';
import { CutoverFailed, IdleNotHealthy, isRefusal, isTransient, RouterStateUnknown } from '../shared/errors';
import { readRouter, summarizeHealth, weightsFor } from '../shared/router';
import { elbClient, leaseStore, log, releaseHistory } from '../shared/runtime';
import { epochSeconds, parseState, requireRoles, type WorkflowState } from '../shared/state';

/** Raised for anything that goes wrong after the router write, so the state machine rolls back. */
class SwitchIncomplete extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwitchIncomplete';
  }
}

/**
 * SwitchTraffic: the one router write that moves all traffic. Fenced by the lease, and preceded by
 * a fresh health read: traffic never moves to a side whose targets were not all healthy just now.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'SwitchTraffic');
  const roles = requireRoles(state, 'SwitchTraffic');
  const config = loadRuntimeConfig();
  const elb = elbClient();
  const store = leaseStore(config);
  const owner = state.execution.arn;

  const listener = await describeListener(elb, config.traffic.listenerArn);
  const router = readRouter(config, config.traffic.listenerArn, listener.DefaultActions);
  // A retry of this step after its write: the lease says we got past the fence, the router agrees.
  const lease = await store.read();
  const alreadySwitched = router.live === roles.idle && lease?.owner === owner && lease.phase !== 'acquired';
  if (!alreadySwitched) {
    if (router.live !== roles.live) {
      throw new RouterStateUnknown(
        `the live side changed from ${roles.live} to ${router.live} while this execution ran; someone else is writing the listener`,
      );
    }
    const health = summarizeHealth(roles.idle, await describeTargetHealth(elb, roles.idleTargetGroupArn));
    if (!health.healthy) {
      throw new IdleNotHealthy(
        `${roles.idle} stopped being fully healthy just before the switch: ${health.summary}`,
      );
    }
    const fenced = await store.fence(owner, 'switching', epochSeconds(), {
      previous: roles.live,
      target: roles.idle,
      ...(roles.releaseKey ? { releaseKey: roles.releaseKey } : {}),
    });
    if (!fenced) {
      throw new CutoverFailed(
        'this execution no longer holds the lease (it expired and another execution took it); traffic was not moved',
      );
    }
  }

  const at = new Date().toISOString();
  if (router.live !== roles.idle) {
    try {
      await writeForward(elb, listener, weightsFor(config, roles.idle));
    } catch (error) {
      // Throttling: the state machine retries this step, which reads the router again first.
      if (isTransient(error)) throw error;
      // A refusal (4xx) moved nothing: fail before the switch, traffic untouched.
      if (isRefusal(error)) {
        throw new CutoverFailed(
          `the listener refused the switch (${(error as Error).name}: ${(error as Error).message}); traffic was not moved`,
        );
      }
      // Anything else (a lost connection) may or may not have landed: roll back to be sure.
      throw new SwitchIncomplete(`the router write may not have landed: ${String(error)}`);
    }
    log('info', 'switched traffic', { from: roles.live, to: roles.idle });
  }
  try {
    const drainSeconds = await deregistrationDelaySeconds(elb, roles.liveTargetGroupArn);
    if (roles.releaseKey) await releaseHistory(config).update(roles.releaseKey, { switchedAt: at });
    const phase = state.request.action === 'cutover' ? 'baking' : 'draining';
    if (!(await store.fence(owner, phase, epochSeconds())))
      throw new Error('the lease was lost right after the switch');
    return { ...state, switched: { at, drainSeconds } };
  } catch (error) {
    throw new SwitchIncomplete(
      `after the router write: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
