import { describeAlarms } from '../shared/aws/alarms';
import { CutoverFailed } from '../shared/contract';
import { checkAlarms, oneSidedAlarms, parityProblem } from '../shared/gate';
import { dryRunPlan } from '../shared/plan';
import { routerFor } from '../shared/routers';
import { sidesOf, type WorkflowState } from '../shared/state';
import { defineRolesStep } from '../shared/step';

/**
 * Gate: the last checks before traffic moves (alarms, capacity parity). For a dry run it also
 * writes the plan: what a real run would change, and what it would refuse.
 */
export const handler = defineRolesStep('Gate', async (state, { config }): Promise<WorkflowState> => {
  const { roles, request } = state;
  const found = await describeAlarms(config.alarms);
  const warnings = [...roles.warnings];
  let alarms: Array<{ name: string; state: string }>;
  if (request.action === 'cutover') {
    const verdict = checkAlarms(config.alarms, found, config.bakeSeconds, {
      alarms: request.allowFiringAlarms ?? [],
      reason: request.reason,
    });
    warnings.push(...verdict.warnings, ...oneSidedAlarms(found, sidesOf(roles)));
    alarms = verdict.alarms;
  } else {
    // A rollback is what one does while alarms fire: they are reported, never blocking.
    alarms = found.map((a) => ({ name: a.name, state: a.state }));
    for (const a of found.filter((x) => x.state === 'ALARM')) warnings.push(`alarm "${a.name}" is in ALARM`);
  }

  const router = routerFor(config);
  const idle = await router.sideHealth(roles.idle);
  const live = await router.sideHealth(roles.live);
  const parity = roles.idleAttached
    ? parityProblem(roles.idle, idle.healthyCount, roles.live, live.healthyCount)
    : undefined;
  if (parity) {
    if (request.action === 'cutover' && !request.dryRun) throw new CutoverFailed(parity);
    // A console rollback onto a side scaled in while it had no traffic would overload it.
    if (request.action === 'rollback' && !request.dryRun && !request.force) {
      throw new CutoverFailed(
        `${parity}; a rollback would send all traffic to the smaller side: scale ${roles.idle} up, or start the rollback with "force": true`,
      );
    }
    warnings.push(parity);
  }
  if (!request.dryRun) return { ...state, gate: { warnings, alarms } };
  return { ...state, gate: { warnings, alarms, plan: dryRunPlan(config, state, idle, live, router) } };
});
