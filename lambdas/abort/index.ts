import { z } from 'zod';
import { emitReleaseEvent } from '../shared/aws/events';
import { loadRuntimeConfig } from '../shared/config';
import { type ErrorName, isContractError, parseTaskFailure } from '../shared/errors';
import { currentLive } from '../shared/live';
import { failureOutcome, type Outcome } from '../shared/outcome';
import { elbClient, eventsClient, leaseStore, log, releaseHistory } from '../shared/runtime';
import { workflowStateSchema } from '../shared/state';

const eventSchema = z.object({
  state: workflowStateSchema.partial({ execution: true, request: true }).extend({
    failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
    failedStep: z.string(),
  }),
  execution: z.object({ arn: z.string() }),
});

/**
 * Abort: any failure before the switch. Traffic never moved, so this only cleans up (lease, history
 * record) and turns the failure into the contract's error name and cause.
 */
export async function handler(event: unknown): Promise<{ outcome: Outcome }> {
  const { state, execution } = eventSchema.parse(event);
  const config = loadRuntimeConfig();
  const { error, payload } = parseTaskFailure(state.failure);
  // Errors of the contract keep their name (also RollbackFailed from a joined rollback); anything
  // else (a crash, a timeout, an SDK error) is CutoverFailed, naming the step.
  const known = isContractError(error);
  const name: ErrorName = known ? error : 'CutoverFailed';
  const message = known ? payload.message : `step ${state.failedStep} failed: ${payload.message}`;

  if (state.lease && !state.lease.joined) await leaseStore(config).release(execution.arn);
  if (state.roles?.releaseKey) {
    await releaseHistory(config).update(state.roles.releaseKey, {
      outcome: 'failed',
      finishedAt: new Date().toISOString(),
      error: name,
    });
  }
  const live = state.roles?.live ?? (await currentLive(elbClient(), config));
  const version = state.request?.action === 'cutover' ? state.request.version : undefined;
  log('warn', 'execution failed before the switch', { error: name, message, step: state.failedStep });
  if (state.request && !state.request.dryRun && state.roles) {
    await emitReleaseEvent(eventsClient(), config.eventBusName, 'Release Failed', {
      service: config.service,
      executionArn: execution.arn,
      action: state.request.action,
      error: name,
      message,
      live,
      ...(version ? { version } : {}),
    });
  }
  return {
    outcome: failureOutcome(name, {
      message,
      ...(payload.field ? { field: payload.field } : {}),
      ...(payload.alarm ? { alarm: payload.alarm } : {}),
      live,
      ...(version ? { version } : {}),
    }),
  };
}
