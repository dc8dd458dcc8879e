import { describeListener, writeForward } from '../shared/aws/elb';
import { loadRuntimeConfig } from '../shared/config';
import { CutoverFailed, RouterStateUnknown } from '../shared/errors';
import { readRouter, weightsFor } from '../shared/router';
import { elbClient, leaseStore, log } from '../shared/runtime';
import { epochSeconds, parseState, requireRoles, type WorkflowState } from '../shared/state';

/**
 * Attach: the ALB health-checks only target groups a listener references, so the idle group joins
 * the forward action at weight 0. That sends it no traffic; it only starts its health checks.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'Attach');
  const roles = requireRoles(state, 'Attach');
  // A dry run changes nothing, not even the weight-0 attach (its plan says so instead).
  if (roles.idleAttached || state.request.dryRun) return state;
  const config = loadRuntimeConfig();
  const elb = elbClient();
  if (!(await leaseStore(config).fence(state.execution.arn, 'acquired', epochSeconds()))) {
    throw new CutoverFailed(
      'this execution no longer holds the lease (it expired and another execution took it); nothing was changed',
    );
  }
  const listener = await describeListener(elb, config.traffic.listenerArn);
  const router = readRouter(config, config.traffic.listenerArn, listener.DefaultActions);
  if (router.live !== roles.live) {
    throw new RouterStateUnknown(
      `the live side changed from ${roles.live} to ${router.live} while this execution ran; someone else is writing the listener`,
    );
  }
  if (!router.idleAttached) {
    await writeForward(elb, listener, weightsFor(config, roles.live));
    log('info', 'attached the idle target group at weight 0', { idle: roles.idle });
  }
  return { ...state, roles: { ...roles, idleAttached: true } };
}
