import { IdleNotHealthy } from '../shared/contract';
import { routerFor } from '../shared/routers';
import type { WorkflowState } from '../shared/state';
import { defineRolesStep, pollUntil } from '../shared/step';

/**
 * WaitHealthy: polls the idle side every pollSeconds until it is fully healthy (one poll is
 * enough), or fails with IdleNotHealthy once healthTimeoutSeconds has passed.
 */
export const handler = defineRolesStep('WaitHealthy', async (state, step): Promise<WorkflowState> => {
  const { config } = step;
  const { roles } = state;
  const router = routerFor(config);
  const startedAt = state.health?.startedAt ?? new Date().toISOString();
  const until = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
  const polled = await pollUntil(step, { intervalMs: config.pollSeconds * 1000, until }, async () => {
    const { healthy, summary, healthyCount, total } = await router.sideHealth(roles.idle);
    return {
      done: healthy,
      value: { ...state, health: { startedAt, healthy, summary, healthyCount, total } },
    };
  });
  if (polled.stop === 'expired') {
    throw new IdleNotHealthy(
      `${roles.idle} was not fully healthy within ${config.healthTimeoutSeconds} s (healthTimeoutSeconds): ${polled.value.health.summary}`,
    );
  }
  return polled.value;
});
