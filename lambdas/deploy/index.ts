import { callDeployHook } from '../shared/aws/hook';
import { DeployFailed, type HookAnswer } from '../shared/contract';
import { logger } from '../shared/observability';
import type { WorkflowState } from '../shared/state';
import { defineRolesStep, pollUntil } from '../shared/step';

/**
 * Deploy: calls the user's deploy hook for the idle side until it answers SUCCEEDED, FAILED, or
 * healthTimeoutSeconds runs out. Polls inside one invocation to keep the execution history small.
 */
export const handler = defineRolesStep('Deploy', async (state, step): Promise<WorkflowState> => {
  const { config } = step;
  const { roles, request } = state;
  const startedAt = state.deploy?.startedAt ?? new Date().toISOString();
  if (config.deploy.type !== 'lambda-hook' || request.action !== 'cutover') {
    // A rollback goes back to code that is already there: nothing to deploy.
    return { ...state, deploy: { startedAt, attempt: 0, status: 'SKIPPED' } };
  }
  const { functionArn } = config.deploy;
  const until = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
  let attempt = state.deploy?.attempt ?? 0;
  let answer: HookAnswer = { status: 'IN_PROGRESS' };
  const polled = await pollUntil(step, { intervalMs: config.pollSeconds * 1000, until }, async () => {
    attempt += 1;
    answer = await callDeployHook(functionArn, {
      service: config.service,
      color: roles.idle,
      targetGroupArn: roles.idleTargetGroupArn,
      version: request.version,
      executionId: state.execution.arn,
      attempt,
    });
    logger.info('deploy hook answered', { attempt, status: answer.status });
    if (answer.status === 'FAILED') {
      throw new DeployFailed(
        `deploy of "${request.version}" to ${roles.idle} failed: ${answer.message ?? 'the hook gave no message'}`,
      );
    }
    return { done: answer.status === 'SUCCEEDED', value: answer };
  });
  if (polled.stop === 'expired') {
    throw new DeployFailed(
      `deploy of "${request.version}" to ${roles.idle} was still in progress after ${config.healthTimeoutSeconds} s (healthTimeoutSeconds)${answer.message ? `: ${answer.message}` : ''}`,
    );
  }
  const status = answer.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'IN_PROGRESS';
  return { ...state, deploy: { startedAt, attempt, status, message: answer.message } };
});
