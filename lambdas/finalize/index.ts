import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import type { SuccessOutput } from '../shared/contract';
import { defineRolesStep } from '../shared/step';

/** Finalize: records the release, gives the lease up and announces the result. The old side stays warm. */
export const handler = defineRolesStep(
  'Finalize',
  async (state, { config }): Promise<{ result: SuccessOutput }> => {
    const { roles, request } = state;
    const warnings = state.gate?.warnings ?? roles.warnings;
    const version = request.action === 'cutover' ? request.version : roles.idleVersion;

    if (request.dryRun) {
      await leaseStore(config).release(state.execution.arn);
      const plan = state.gate?.plan;
      return {
        result: {
          action: request.action,
          live: roles.live,
          previous: roles.live,
          version,
          dryRun: true,
          plan,
          warnings,
        },
      };
    }

    const finishedAt = new Date().toISOString();
    const history = releaseHistory(config);
    if (roles.releaseKey) await history.update(roles.releaseKey, { outcome: 'succeeded', finishedAt });
    if (request.action === 'rollback' && roles.undoes) {
      await history.update(roles.undoes, {
        outcome: 'rolled-back',
        rolledBackAt: state.switched?.at ?? finishedAt,
      });
    }
    await leaseStore(config).release(state.execution.arn);
    const result: SuccessOutput = {
      action: request.action,
      live: roles.idle,
      previous: roles.live,
      version,
      schemaChange: request.action === 'cutover' ? request.schemaChange : undefined,
      warnings,
      switchedAt: state.switched?.at,
    };
    await emitReleaseEvent(config.eventBusName, 'Release Succeeded', {
      service: config.service,
      executionArn: state.execution.arn,
      ...result,
    });
    return { result };
  },
);
