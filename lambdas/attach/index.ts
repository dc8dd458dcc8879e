import { holdLease } from '../shared/lease';
import { logger } from '../shared/observability';
import { expectLive, routerFor } from '../shared/routers';
import type { WorkflowState } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/**
 * Attach: the router health-checks only the sides it references, so the idle side joins it with no
 * traffic (an ALB target group at weight 0). That sends it no requests; it only starts its checks.
 */
export const handler = defineRolesStep('Attach', async (state, { config }): Promise<WorkflowState> => {
  const { roles } = state;
  // A dry run changes nothing, not even the attach (its plan says so instead).
  if (roles.idleAttached || state.request.dryRun) return state;
  await holdLease(config, state.execution.arn, 'acquired', 'nothing was changed');
  const router = routerFor(config);
  expectLive(router, await router.read(), roles.live);
  if (await router.attachIdle()) logger.info('attached the idle side without traffic', { idle: roles.idle });
  return { ...state, roles: { ...roles, idleAttached: true } };
});
