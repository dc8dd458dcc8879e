import { describeTargetHealth } from '../shared/aws/elb';
import { loadRuntimeConfig } from '../shared/config';
import { IdleNotHealthy } from '../shared/errors';
import { summarizeHealth } from '../shared/router';
import { elbClient, POLL_BUDGET_MS, sleep } from '../shared/runtime';
import { parseState, requireRoles, type WorkflowState } from '../shared/state';

/**
 * WaitHealthy: polls the idle group every pollSeconds until every registered target is healthy (one
 * poll is enough), or fails with IdleNotHealthy once healthTimeoutSeconds has passed.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'WaitHealthy');
  const roles = requireRoles(state, 'WaitHealthy');
  const config = loadRuntimeConfig();
  const startedAt = state.health?.startedAt ?? new Date().toISOString();
  const deadline = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
  const budgetEnd = Date.now() + POLL_BUDGET_MS;
  for (;;) {
    const health = summarizeHealth(
      roles.idle,
      await describeTargetHealth(elbClient(), roles.idleTargetGroupArn),
    );
    const result = { ...state, health: { startedAt, ...health } };
    if (health.healthy) return result;
    const next = Date.now() + config.pollSeconds * 1000;
    if (next > deadline) {
      throw new IdleNotHealthy(
        `${roles.idle} was not fully healthy within ${config.healthTimeoutSeconds} s (healthTimeoutSeconds): ${health.summary}`,
      );
    }
    if (next > budgetEnd) {
      // Hand back only at the end of the budget: returning at once would make the state machine
      // call again at once, a tight loop whenever pollSeconds is longer than the budget.
      await sleep(budgetEnd - Date.now());
      return result;
    }
    await sleep(next - Date.now());
  }
}
