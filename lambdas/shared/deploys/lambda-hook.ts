import { callDeployHook } from '../aws/hook';
import { DeployFailed, type HookAnswer, type RuntimeConfig } from '../contract';
import { logger } from '../observability';
import { pollUntil } from '../step';
import type { DeployConfigOf, Deployer, DeployProgress, DeployRun } from './port';

/**
 * `lambda-hook`: calls the user's deploy hook for the idle side until it answers SUCCEEDED, FAILED,
 * or healthTimeoutSeconds runs out. Polls inside one invocation to keep the execution history small.
 */
export class LambdaHookDeployer implements Deployer {
  constructor(
    private readonly config: RuntimeConfig,
    private readonly hook: DeployConfigOf<'lambda-hook'>,
  ) {}

  async deploy(run: DeployRun): Promise<DeployProgress> {
    const { config } = this;
    const { state, step, startedAt, version } = run;
    const { roles } = state;
    const { functionArn } = this.hook;
    const until = Date.parse(startedAt) + config.healthTimeoutSeconds * 1000;
    let attempt = state.deploy?.attempt ?? 0;
    let answer: HookAnswer = { status: 'IN_PROGRESS' };
    const polled = await pollUntil(step, { intervalMs: config.pollSeconds * 1000, until }, async () => {
      attempt += 1;
      answer = await callDeployHook(functionArn, {
        service: config.service,
        color: roles.idle,
        targetGroupArn: roles.idleTargetGroupArn,
        version,
        executionId: state.execution.arn,
        attempt,
      });
      logger.info('deploy hook answered', { attempt, status: answer.status });
      if (answer.status === 'FAILED') {
        throw new DeployFailed(
          `deploy of "${version}" to ${roles.idle} failed: ${answer.message ?? 'the hook gave no message'}`,
        );
      }
      return { done: answer.status === 'SUCCEEDED', value: answer };
    });
    if (polled.stop === 'expired') {
      throw new DeployFailed(
        `deploy of "${version}" to ${roles.idle} was still in progress after ${config.healthTimeoutSeconds} s (healthTimeoutSeconds)${answer.message ? `: ${answer.message}` : ''}`,
      );
    }
    const status = answer.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'IN_PROGRESS';
    return { startedAt, attempt, status, message: answer.message };
  }
}
