import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import { elapsedMs, type RuntimeConfig, type SuccessOutput } from '../shared/contract';
import { defineRolesStep } from '../shared/step';

/** Raised when the lease is not this execution's any more and its release was not recorded as good. */
class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLost';
  }
}

/**
 * Only the lease holder may record a release as good. A lease gone or held by another execution
 * means the cleanup of a stop ran (and may have put traffic back), unless this is a retry of
 * Finalize after its own release: then the record already says succeeded.
 */
async function expectOwnRelease(
  config: RuntimeConfig,
  owner: string,
  releaseKey: string | undefined,
): Promise<void> {
  const lease = await leaseStore(config).read();
  if (lease?.owner === owner) return;
  const record = releaseKey ? await releaseHistory(config).get(releaseKey) : undefined;
  if (record?.outcome === 'succeeded') return;
  throw new LeaseLost(
    `this execution no longer holds its lease (${lease ? `${lease.owner} holds it` : 'it was released, e.g. by the cleanup of a stop'}), so it must not record the release as succeeded`,
  );
}

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

    const history = releaseHistory(config);
    await expectOwnRelease(config, state.execution.arn, roles.releaseKey);
    const finishedAt = new Date().toISOString();
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
      elapsedMs: elapsedMs(state.execution.startedAt),
    });
    return { result };
  },
);
