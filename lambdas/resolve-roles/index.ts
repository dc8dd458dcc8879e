import {
  deregistrationDelaySeconds,
  describeListener,
  describeTargetHealth,
  listRoutes,
} from '../shared/aws/elb';
import { releaseKey } from '../shared/aws/store';
import { loadRuntimeConfig, otherColor, targetGroupOf } from '../shared/config';
import { CutoverFailed, RouterStateUnknown } from '../shared/errors';
import { lastLeft, planRollback } from '../shared/history';
import { readRouter, unconfiguredRoutes } from '../shared/router';
import { elbClient, leaseStore, releaseHistory } from '../shared/runtime';
import { epochSeconds, parseState, type WorkflowState } from '../shared/state';

/**
 * ResolveRoles: reads the router to learn which side is live (never trusts a stored value), refuses
 * a router it did not make, and for a rollback works out whether the idle side is known good.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'ResolveRoles');
  const config = loadRuntimeConfig();
  const elb = elbClient();
  const history = releaseHistory(config);

  const listener = await describeListener(elb, config.traffic.listenerArn);
  const router = readRouter(config, config.traffic.listenerArn, listener.DefaultActions);
  const loadBalancerArn = listener.LoadBalancerArn ?? '';
  const foreign = unconfiguredRoutes(config, await listRoutes(elb, loadBalancerArn));
  if (foreign.length > 0) {
    throw new RouterStateUnknown(
      `${foreign.map((r) => r.description).join('; ')} also forward${foreign.length === 1 ? 's' : ''} to the blue or green target group; switching only ${config.traffic.listenerArn} would leave ${foreign.length === 1 ? 'that route' : 'those routes'} on the old side: point ${foreign.length === 1 ? 'it' : 'them'} elsewhere or remove ${foreign.length === 1 ? 'it' : 'them'}`,
    );
  }
  // Both groups must exist; a missing one answers TargetGroupNotFound, which becomes RouterStateUnknown.
  await describeTargetHealth(elb, config.traffic.blueTargetGroupArn);
  await describeTargetHealth(elb, config.traffic.greenTargetGroupArn);

  const live = router.live;
  const idle = otherColor(live);
  const records = await history.recent();
  const request = state.request;
  const warnings: string[] = [];
  let idleVersion: string | undefined;
  let undoes: string | undefined;
  // What the live side runs now, so a rollback that joins this cutover can say what it went back to.
  const liveVersion = records.find((r) => r.to === live && r.outcome === 'succeeded')?.version;

  if (request.action === 'rollback') {
    const plan = planRollback(records, live, request.force);
    warnings.push(...plan.warnings);
    idleVersion = plan.targetVersion;
    undoes = plan.undoes.key;
  } else {
    const left = lastLeft(records, idle);
    if (left) {
      const drainSeconds = await deregistrationDelaySeconds(elb, targetGroupOf(config, idle));
      const ago = (Date.now() - left.getTime()) / 1000;
      if (ago < drainSeconds) {
        throw new CutoverFailed(
          `${idle} stopped receiving traffic ${Math.floor(ago)} s ago and its requests may take up to ${drainSeconds} s (deregistration_delay.timeout_seconds of ${targetGroupOf(config, idle)}); retry after ${new Date(left.getTime() + drainSeconds * 1000).toISOString()}`,
        );
      }
    }
  }

  let key: string | undefined;
  if (!request.dryRun) {
    key = releaseKey(state.execution.startedAt, state.execution.name);
    await history.create({
      key,
      kind: request.action,
      executionArn: state.execution.arn,
      ...(request.action === 'cutover'
        ? { version: request.version, ...(liveVersion ? { previousVersion: liveVersion } : {}) }
        : idleVersion
          ? { version: idleVersion }
          : {}),
      from: live,
      to: idle,
      schemaChange: request.action === 'cutover' ? request.schemaChange : 'none',
      outcome: 'in-progress',
      startedAt: state.execution.startedAt,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(undoes ? { undoes } : {}),
    });
    // The lease names the record, so whoever cleans up after a stopped execution can close it.
    if (
      !(await leaseStore(config).fence(state.execution.arn, 'acquired', epochSeconds(), { releaseKey: key }))
    ) {
      await history.update(key, {
        outcome: 'failed',
        finishedAt: new Date().toISOString(),
        error: 'CutoverFailed',
      });
      throw new CutoverFailed(
        'this execution no longer holds the lease (it expired and another execution took it); nothing was changed',
      );
    }
  }

  return {
    ...state,
    roles: {
      live,
      idle,
      liveTargetGroupArn: targetGroupOf(config, live),
      idleTargetGroupArn: targetGroupOf(config, idle),
      idleAttached: router.idleAttached,
      loadBalancerArn,
      ...(key ? { releaseKey: key } : {}),
      ...(idleVersion ? { idleVersion } : {}),
      ...(undoes ? { undoes } : {}),
      warnings,
    },
  };
}
