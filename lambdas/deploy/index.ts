import { deployerFor } from '../shared/deploys';
import type { WorkflowState } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/**
 * Deploy: brings the release to the idle side with the configured deployer, as far as one
 * invocation's budget goes; IN_PROGRESS makes the state machine call again.
 */
export const handler = defineRolesStep('Deploy', async (state, step): Promise<WorkflowState> => {
  const { request } = state;
  const startedAt = state.deploy?.startedAt ?? new Date().toISOString();
  const deployer = deployerFor(step.config);
  if (!deployer || request.action !== 'cutover') {
    // A rollback goes back to code that is already there: nothing to deploy.
    return { ...state, deploy: { startedAt, attempt: 0, status: 'SKIPPED' } };
  }
  const deploy = await deployer.deploy({
    state,
    step,
    startedAt,
    version: request.version,
    ...(request.codeSha256 ? { codeSha256: request.codeSha256 } : {}),
  });
  return { ...state, deploy };
});
