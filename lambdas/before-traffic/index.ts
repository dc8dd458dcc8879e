import { hookOf, runBeforeTraffic } from '../shared/hooks';
import type { WorkflowState } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/**
 * BeforeTraffic: after the gate, before any production traffic moves, calls the `beforeTraffic`
 * hook as far as one invocation's budget goes; IN_PROGRESS makes the state machine call again.
 * A hook that fails, throws or runs out of time is HookFailed, and traffic stays where it is.
 */
export const handler = defineRolesStep('BeforeTraffic', async (state, step): Promise<WorkflowState> => {
  const functionArn = hookOf(step.config, state, 'beforeTraffic');
  if (!functionArn) {
    const skipped = { startedAt: new Date().toISOString(), attempt: 0, status: 'SKIPPED' as const };
    return { ...state, hooks: { ...state.hooks, beforeTraffic: skipped } };
  }
  const progress = await runBeforeTraffic(state, step, functionArn);
  return { ...state, hooks: { ...state.hooks, beforeTraffic: progress } };
});
