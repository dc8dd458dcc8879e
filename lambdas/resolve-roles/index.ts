import { emitReleaseEvent } from '../shared/aws/events';
import { releaseHistory, releaseKey } from '../shared/aws/store';
import { CutoverFailed, elapsedMs, type ReleaseRecord } from '../shared/contract';
import { drainRefusal, lastLeft, planRollback, reachesLastGoodRelease } from '../shared/history';
import { holdLease } from '../shared/lease';
import { routerFor } from '../shared/routers';
import type { WorkflowState } from '../shared/state';
import { defineStateStep } from '../shared/step';

/**
 * ResolveRoles: reads the router to learn which side is live (never trusts a stored value), refuses
 * a router it did not make, and for a rollback works out whether the idle side is known good.
 */
export const handler = defineStateStep('ResolveRoles', async (state, { config }): Promise<WorkflowState> => {
  const router = routerFor(config);
  const history = releaseHistory(config);
  const view = await router.inspect({ action: state.request.action });
  const { live, idle } = view;
  const { request } = state;
  const records = await history.recent((read) => reachesLastGoodRelease(read, live));
  const warnings: string[] = [];
  let idleVersion: string | undefined;
  let undoes: string | undefined;

  if (request.action === 'rollback') {
    const plan = planRollback(records, live, request.force);
    warnings.push(...plan.warnings);
    idleVersion = plan.targetVersion;
    undoes = plan.undoes.key;
  } else {
    const left = lastLeft(records, idle);
    const source = router.words.drainSource(view.sides[idle]);
    const refusal = left && drainRefusal(idle, source, left, await router.drainSeconds(idle));
    if (refusal) throw new CutoverFailed(refusal);
  }

  let key: string | undefined;
  if (!request.dryRun) {
    key = releaseKey(state.execution.startedAt, state.execution.name);
    const record: ReleaseRecord = {
      key,
      kind: request.action,
      executionArn: state.execution.arn,
      version: request.action === 'cutover' ? request.version : idleVersion,
      // What the live side runs now, so a rollback that joins this cutover can say what it went back to.
      previousVersion:
        request.action === 'cutover'
          ? records.find((r) => r.to === live && r.outcome === 'succeeded')?.version
          : undefined,
      from: live,
      to: idle,
      schemaChange: request.action === 'cutover' ? request.schemaChange : 'none',
      outcome: 'in-progress',
      startedAt: state.execution.startedAt,
      reason: request.reason,
      allowFiringAlarms: request.action === 'cutover' ? request.allowFiringAlarms : undefined,
      undoes,
    };
    await history.create(record);
    // The lease names the record, so whoever cleans up after a stopped execution can close it.
    try {
      await holdLease(config, state.execution.arn, 'acquired', 'nothing was changed', { releaseKey: key });
    } catch (error) {
      await history.update(key, {
        outcome: 'failed',
        finishedAt: new Date().toISOString(),
        error: 'CutoverFailed',
      });
      throw error;
    }
    // Once the lease is this execution's and its record exists: the release has started. A retry of
    // this step puts the event again (at least once); the executionArn tells the copies apart.
    await emitReleaseEvent(config.eventBusName, 'Release Started', {
      service: config.service,
      executionArn: state.execution.arn,
      action: request.action,
      version: record.version,
      live,
      reason: request.reason,
      elapsedMs: elapsedMs(state.execution.startedAt),
    });
  }

  return {
    ...state,
    roles: {
      live,
      idle,
      liveTargetGroupArn: view.sides[live],
      idleTargetGroupArn: view.sides[idle],
      idleAttached: view.idleAttached,
      loadBalancerArn: view.scope,
      releaseKey: key,
      idleVersion,
      undoes,
      warnings,
    },
  };
});
