import type { Request, RuntimeConfig } from './contract';
import type { Router, SideHealth } from './routers';
import type { Roles } from './state';

/** What a real run would do, step by step, for a dry run's output. Changes nothing. */
export function dryRunPlan(
  config: RuntimeConfig,
  state: { readonly request: Request; readonly roles: Roles },
  idle: SideHealth,
  live: SideHealth,
  router: Pick<Router, 'kind' | 'words'>,
): Record<string, unknown> {
  const { request, roles } = state;
  const steps: string[] = [];
  if (!roles.idleAttached) {
    steps.push(router.words.attach(roles.idle));
  }
  if (request.action === 'cutover' && config.deploy.type === 'lambda-hook') {
    steps.push(
      `call the deploy hook ${config.deploy.functionArn} for ${roles.idle} with version "${request.version}"`,
    );
  }
  steps.push(
    `wait up to ${config.healthTimeoutSeconds} s for every ${roles.idle} target to be healthy (now: ${roles.idleAttached ? idle.summary : 'not health-checked'})`,
  );
  const allowed = request.action === 'cutover' ? (request.allowFiringAlarms ?? []) : [];
  if (request.action === 'cutover')
    steps.push(
      `check alarms ${config.alarms.map((a) => `"${a}"`).join(', ') || '(none configured)'} and capacity parity`,
    );
  if (allowed.length > 0)
    steps.push(
      `let ${allowed.map((a) => `"${a}"`).join(', ')} be in ALARM at the gate (${request.reason ?? 'no reason given'}); the bake watches each once it is OK again, and one still in ALARM at the end is a warning`,
    );
  const shift = request.action === 'cutover' ? config.traffic.shift : undefined;
  if (shift) {
    const shares = shift.steps.map((p) => `${p}%`).join(' -> ');
    steps.push(
      `shift ${roles.idle}'s share of the traffic through ${shares}, holding each step but the last ${shift.stepBakeSeconds} s while watching the alarms and ${roles.idle}'s health; any problem puts all traffic back on ${roles.live} at once`,
    );
  } else {
    steps.push(`switch the ${router.kind}: ${roles.live} 100 -> 0, ${roles.idle} 0 -> 100`);
  }
  if (request.action === 'cutover')
    steps.push(
      `bake ${config.bakeSeconds} s watching the alarms and ${roles.idle}'s health; roll back at the first sign of trouble`,
    );
  steps.push(
    `let ${roles.live}'s requests in flight finish (${router.words.drain} after the switch), record the release, keep ${roles.live} warm`,
  );
  return {
    action: request.action,
    live: roles.live,
    target: roles.idle,
    version: request.action === 'cutover' ? request.version : undefined,
    schemaChange: request.action === 'cutover' ? request.schemaChange : undefined,
    allowFiringAlarms: allowed.length > 0 ? { alarms: allowed, reason: request.reason } : undefined,
    targetVersion: roles.idleVersion,
    idleHealthChecked: roles.idleAttached,
    idleHealth: roles.idleAttached ? idle.summary : router.words.unattached(roles.idle),
    liveHealth: live.summary,
    weightsBefore: { [roles.live]: 100, [roles.idle]: roles.idleAttached ? 0 : null },
    weightsAfter: { [roles.live]: 0, [roles.idle]: 100 },
    steps,
  };
}
