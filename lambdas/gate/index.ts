import { describeAlarms } from '../shared/aws/alarms';
import { describeTargetHealth } from '../shared/aws/elb';
import { loadRuntimeConfig } from '../shared/config';
import { CutoverFailed } from '../shared/errors';
import { checkAlarms, parityProblem } from '../shared/gate';
import { summarizeHealth } from '../shared/router';
import { cloudWatchClient, elbClient } from '../shared/runtime';
import { parseState, requireRoles, type WorkflowState } from '../shared/state';

/**
 * Gate: the last checks before traffic moves (alarms, capacity parity). For a dry run it also
 * writes the plan: what a real run would change, and what it would refuse.
 */
export async function handler(event: unknown): Promise<WorkflowState> {
  const state = parseState(event, 'Gate');
  const roles = requireRoles(state, 'Gate');
  const config = loadRuntimeConfig();
  const request = state.request;
  const found = await describeAlarms(cloudWatchClient(), config.alarms);
  const warnings = [...roles.warnings];
  let alarms: Array<{ name: string; state: string }>;
  if (request.action === 'cutover') {
    const verdict = checkAlarms(config.alarms, found, config.bakeSeconds);
    warnings.push(...verdict.warnings);
    alarms = verdict.alarms;
  } else {
    // A rollback is what one does while alarms fire: they are reported, never blocking.
    alarms = found.map((a) => ({ name: a.name, state: a.state }));
    for (const a of found.filter((x) => x.state === 'ALARM')) warnings.push(`alarm "${a.name}" is in ALARM`);
  }

  const elb = elbClient();
  const idle = summarizeHealth(roles.idle, await describeTargetHealth(elb, roles.idleTargetGroupArn));
  const live = summarizeHealth(roles.live, await describeTargetHealth(elb, roles.liveTargetGroupArn));
  const parity = roles.idleAttached
    ? parityProblem(roles.idle, idle.healthyCount, roles.live, live.healthyCount)
    : undefined;
  if (parity) {
    if (request.action === 'cutover' && !request.dryRun) throw new CutoverFailed(parity);
    warnings.push(parity);
  }

  if (!request.dryRun) return { ...state, gate: { warnings, alarms } };

  const steps: string[] = [];
  if (!roles.idleAttached) {
    steps.push(
      `add ${roles.idle} to the listener's forward action at weight 0 (the ALB does not health-check ${roles.idle} yet, so its health is unknown)`,
    );
  }
  if (request.action === 'cutover' && config.deploy.type === 'lambda-hook') {
    steps.push(
      `call the deploy hook ${config.deploy.functionArn} for ${roles.idle} with version "${request.version}"`,
    );
  }
  steps.push(
    `wait up to ${config.healthTimeoutSeconds} s for every ${roles.idle} target to be healthy (now: ${roles.idleAttached ? idle.summary : 'not health-checked'})`,
  );
  if (request.action === 'cutover')
    steps.push(
      `check alarms ${config.alarms.map((a) => `"${a}"`).join(', ') || '(none configured)'} and capacity parity`,
    );
  steps.push(`switch the listener: ${roles.live} 100 -> 0, ${roles.idle} 0 -> 100`);
  if (request.action === 'cutover')
    steps.push(
      `bake ${config.bakeSeconds} s watching the alarms and ${roles.idle}'s health; roll back at the first sign of trouble`,
    );
  steps.push(
    `let ${roles.live}'s requests in flight finish (its deregistration delay after the switch), record the release, keep ${roles.live} warm`,
  );
  const plan = {
    action: request.action,
    live: roles.live,
    target: roles.idle,
    ...(request.action === 'cutover' ? { version: request.version, schemaChange: request.schemaChange } : {}),
    ...(roles.idleVersion ? { targetVersion: roles.idleVersion } : {}),
    idleHealthChecked: roles.idleAttached,
    idleHealth: roles.idleAttached
      ? idle.summary
      : `${roles.idle} is not in the forward action yet, so the ALB does not health-check it`,
    liveHealth: live.summary,
    weightsBefore: { [roles.live]: 100, [roles.idle]: roles.idleAttached ? 0 : null },
    weightsAfter: { [roles.live]: 0, [roles.idle]: 100 },
    steps,
  };
  return { ...state, gate: { warnings, alarms, plan } };
}
