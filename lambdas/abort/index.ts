import * as z from 'zod';
import { emitReleaseEvent } from '../shared/aws/events';
import { leaseStore, releaseHistory } from '../shared/aws/store';
import {
  type ErrorName,
  elapsedMs,
  failureOutcome,
  isContractError,
  type Outcome,
  parseTaskFailure,
} from '../shared/contract';
import { logger } from '../shared/observability';
import { currentLive } from '../shared/restore';
import { routerFor } from '../shared/routers';
import { workflowStateSchema } from '../shared/state';
import { defineStep } from '../shared/step';

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
export const handler = defineStep(
  'Abort',
  eventSchema,
  async ({ state, execution }, { config }): Promise<{ outcome: Outcome }> => {
    const { error, payload } = parseTaskFailure(state.failure);
    // Errors of the contract keep their name (also RollbackFailed from a joined rollback); anything
    // else (a crash, a timeout, an SDK error) is CutoverFailed, naming the step.
    const known = isContractError(error);
    const name: ErrorName = known ? error : 'CutoverFailed';
    const message = known ? payload.message : `step ${state.failedStep} failed: ${payload.message}`;

    // By owner, also without `lease` in the state: AcquireLease may have taken it and then failed.
    // The release is conditional on this execution being the owner, so it never frees another's.
    if (state.request && !state.lease?.joined) await leaseStore(config).release(execution.arn);
    if (state.roles?.releaseKey) {
      await releaseHistory(config).update(state.roles.releaseKey, {
        outcome: 'failed',
        finishedAt: new Date().toISOString(),
        error: name,
      });
    }
    const live = state.roles?.live ?? (await currentLive(routerFor(config)));
    const version = state.request?.action === 'cutover' ? state.request.version : undefined;
    logger.warn('execution failed before the switch', { error: name, message, failedStep: state.failedStep });
    if (state.request && !state.request.dryRun && state.roles) {
      await emitReleaseEvent(config.eventBusName, 'Release Failed', {
        service: config.service,
        executionArn: execution.arn,
        action: state.request.action,
        error: name,
        cause: message,
        message,
        live,
        version,
        elapsedMs: elapsedMs(state.execution?.startedAt),
      });
    }
    return {
      outcome: failureOutcome(name, { message, field: payload.field, alarm: payload.alarm, live, version }),
    };
  },
);
