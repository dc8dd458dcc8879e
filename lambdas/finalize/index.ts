import { emitReleaseEvent } from '../shared/aws/events';
import { loadRuntimeConfig } from '../shared/config';
import { eventsClient, leaseStore, releaseHistory } from '../shared/runtime';
import { parseState, requireRoles } from '../shared/state';

/** The execution's output on success: the contract's fields plus what an operator wants to see. */
export interface SuccessOutput {
  readonly action: 'cutover' | 'rollback';
  readonly live: string;
  readonly previous: string;
  readonly version?: string;
  readonly dryRun?: true;
  readonly plan?: Record<string, unknown>;
  readonly schemaChange?: string;
  readonly warnings: readonly string[];
  readonly switchedAt?: string;
}

/** Finalize: records the release, gives the lease up and announces the result. The old side stays warm. */
export async function handler(event: unknown): Promise<{ result: SuccessOutput }> {
  const state = parseState(event, 'Finalize');
  const roles = requireRoles(state, 'Finalize');
  const config = loadRuntimeConfig();
  const request = state.request;
  const warnings = state.gate?.warnings ?? roles.warnings;

  if (request.dryRun) {
    await leaseStore(config).release(state.execution.arn);
    return {
      result: {
        action: request.action,
        live: roles.live,
        previous: roles.live,
        ...(request.action === 'cutover'
          ? { version: request.version }
          : roles.idleVersion
            ? { version: roles.idleVersion }
            : {}),
        dryRun: true,
        ...(state.gate?.plan ? { plan: state.gate.plan } : {}),
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
  const version = request.action === 'cutover' ? request.version : roles.idleVersion;
  const result: SuccessOutput = {
    action: request.action,
    live: roles.idle,
    previous: roles.live,
    ...(version ? { version } : {}),
    ...(request.action === 'cutover' ? { schemaChange: request.schemaChange } : {}),
    warnings,
    ...(state.switched ? { switchedAt: state.switched.at } : {}),
  };
  await emitReleaseEvent(eventsClient(), config.eventBusName, 'Release Succeeded', {
    service: config.service,
    executionArn: state.execution.arn,
    ...result,
  });
  return { result };
}
