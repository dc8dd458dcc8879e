import { callerId, type OfflineEnvironment, type SynthesizedFunction } from '../../local';
import { isAllowed, requiredPermissions } from '../../local/iam/permissions';
import { ACCOUNT } from '../../local/offline/environment';
import type { ApiCall } from '../../local/proxy/api-calls';

/**
 * moto does not enforce IAM. The checks every router's permissions scenario ends with: each call a
 * function made is allowed by its synthesized policy, every function holding a permission was seen,
 * no grant went unused, and the state machine may invoke its own functions only.
 */

const account = { partition: 'aws', account: ACCOUNT };

/** The function of a step, by the logical id the construct gives it (`Cutover<Step>Function...`). */
export function functionOf(env: OfflineEnvironment, step: string): SynthesizedFunction {
  const found = env.workflow.wf.functions.find((f) => f.logicalId.startsWith(`Cutover${step}Function`));
  if (!found) throw new Error(`no function for step ${step}`);
  return found;
}

/** Every AWS request the function sent, as the proxy recorded it. */
export function callsOf(env: OfflineEnvironment, fn: SynthesizedFunction): ApiCall[] {
  const id = callerId(fn);
  return env.aws.calls.filter((c) => c.caller === id);
}

/** Defines the least-privilege checks over everything the scenarios recorded in `env`. */
export function itChecksLeastPrivilege(env: OfflineEnvironment): void {
  const functions = () => env.workflow.wf.functions;

  it('allows every recorded call of every function', () => {
    const denied: string[] = [];
    for (const fn of functions()) {
      for (const call of callsOf(env, fn)) {
        for (const need of requiredPermissions(call, account)) {
          if (!isAllowed(fn.role.statements, need))
            denied.push(`${fn.logicalId}: ${need.action} on ${need.resource}`);
        }
      }
    }
    expect([...new Set(denied)]).toEqual([]);
  });

  it('saw every function that holds a permission make calls (the scenarios reached them all)', () => {
    const silent = functions()
      .filter((fn) => fn.role.statements.some((st) => !st.Action.every((a) => a.startsWith('xray:'))))
      .filter((fn) => callsOf(env, fn).length === 0)
      .map((fn) => fn.logicalId);
    expect(silent).toEqual([]);
  });

  it('grants no action a function never used (least privilege)', () => {
    const unused: string[] = [];
    for (const fn of functions()) {
      const used = new Set(
        callsOf(env, fn).flatMap((call) => requiredPermissions(call, account).map((n) => n.action)),
      );
      for (const st of fn.role.statements) {
        for (const action of st.Action) {
          if (action.startsWith('xray:') || action.startsWith('logs:')) continue;
          if (!used.has(action)) unused.push(`${fn.logicalId}: ${action}`);
        }
      }
    }
    expect(unused).toEqual([]);
  });

  it('lets the state machine invoke each function it names, and nothing else', () => {
    const role = env.workflow.wf.stateMachine.role;
    for (const fn of functions().filter((f) => !env.workflow.wf.statusChangeTargets.includes(f.name))) {
      expect(
        isAllowed(role.statements, { action: 'lambda:InvokeFunction', resource: fn.arn, context: {} }),
      ).toBe(true);
    }
    const stranger = functions()[0]?.arn.replace(/function:.*/, 'function:someone-elses');
    expect(
      isAllowed(role.statements, { action: 'lambda:InvokeFunction', resource: stranger ?? '', context: {} }),
    ).toBe(false);
  });
}
