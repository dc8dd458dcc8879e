import { DeleteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ERROR_NAMES } from '../../lambdas/shared/contract';
import {
  callerId,
  FAKE_CREDENTIALS,
  type LocalExecution,
  type OfflineEnvironment,
  REGION,
  type SynthesizedFunction,
} from '../../local';
import { walkStates } from '../../local/execution/asl';
import { elbv2Client } from '../../local/fixtures';
import type { ApiCall } from '../../local/proxy/api-calls';
import type { Fault } from '../../local/proxy/faults';

/**
 * The fault matrix: every step of the synthesized state machine, under every fault kind, driven
 * through the runner until the step really runs with the fault; each cell must end in a DESIGN.md
 * outcome with traffic on a healthy side (or RollbackFailed, counted) and the lease free.
 */

export const FAULT_KINDS = [
  'throttling',
  '5xx',
  'access denied',
  'answer lost',
  'unreachable',
  'Lambda timeout',
  'stop',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What each fault kind does, for the table's legend. */
export const FAULT_LEGEND: Record<FaultKind, string> = {
  throttling:
    'Lambda refuses the first invoke (Lambda.TooManyRequestsException), then the first AWS write is throttled 4 times in a row (one more than the SDK tries)',
  '5xx': 'the first AWS write answers 500 four times in a row (the service’s InternalFailure code)',
  'access denied': 'the first AWS write is refused with access denied until the cell ends',
  'answer lost':
    'the first AWS write reaches the service and takes effect, then the connection drops before the answer, on every SDK attempt (3): the step dies after its write, before its return',
  unreachable: 'the first AWS call’s endpoint resets every connection, from every caller, for 3 s',
  'Lambda timeout': 'the first invocation of the step times out (Sandbox.Timedout)',
  stop: 'StopExecution as the step’s invocation starts; the invocation runs on, as in Step Functions',
};

/** A step of the workflow: a Task state, or a function the state machine's status-change rule runs. */
export interface Step {
  readonly name: string;
  readonly fn: SynthesizedFunction;
  readonly via: 'task' | 'rule';
}

/** The steps as the runner loaded them from the cloud assembly, in definition order. */
export function stepsOf(env: OfflineEnvironment): Step[] {
  const { wf } = env.workflow;
  const steps: Step[] = [];
  walkStates(wf.stateMachine.definition, (name, state) => {
    if (state.Type !== 'Task') return;
    const params = (state.Parameters ?? {}) as Record<string, unknown>;
    const ref = typeof params.FunctionName === 'string' ? params.FunctionName : String(state.Resource);
    const target = env.workflow.functionFor(ref);
    if (!target) throw new Error(`task ${name} runs ${ref}, which is not a function of the stack`);
    steps.push({ name, fn: target.fn, via: 'task' });
  });
  for (const rule of wf.rules) {
    for (const t of rule.targets) {
      const fn = wf.functions.find((f) => f.name === t.functionName);
      if (fn)
        steps.push({ name: `${fn.logicalId.replace(/^Cutover|Function.*$/g, '')} (rule)`, fn, via: 'rule' });
    }
  }
  return steps;
}

/** Runs a scenario; every execution it starts goes through `start`, so the cell can see them all. */
export interface Driver {
  readonly name: string;
  readonly why: string;
  /** One cutover that should succeed: a brief fault must then still end SUCCEEDED. */
  readonly plainCutover?: boolean;
  /** The scenario stops an execution itself. */
  readonly stops?: boolean;
  /** It ends with traffic back where it was: a brief fault must not change that. */
  readonly restores?: boolean;
  run(ctx: DriverContext): Promise<void>;
}

export interface DriverContext {
  readonly env: OfflineEnvironment;
  start(input: unknown): LocalExecution;
  readonly executions: LocalExecution[];
}

const WRITE = /^(Put|Update|Delete|Modify|Create|Register|Deregister|Set|Add|Remove|Publish|Invoke)/;

/** The execution that ends every driver: its result and, after a stop, the cleanup by the rule. */
async function ended(exec: LocalExecution): Promise<void> {
  await exec.result;
  await exec.statusEvents;
}

/** Until every invocation of the execution has returned (a stop lets the one in flight finish). */
async function invocationsDone(exec: LocalExecution): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const open = new Set<string>();
    for (const e of exec.history) {
      if (e.type === 'LambdaInvoked') open.add(e.requestId);
      if (e.type === 'LambdaSucceeded' || e.type === 'LambdaFailed') open.delete(e.requestId);
    }
    if (open.size === 0 || Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`driver: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const entered = (exec: LocalExecution, state: string) =>
  exec.history.some((e) => e.type === 'StateEntered' && e.state === state);

/**
 * The scenarios that make each step run, tried in this order: a step is driven by the first one in
 * which it calls AWS (or, if it never calls AWS, the first in which it runs). The status-change rule
 * runs on every failure, but only a stop after the switch gives it work, so that scenario comes first.
 */
export const DRIVERS: readonly Driver[] = [
  {
    name: 'cutover',
    why: 'a cutover to the idle side',
    plainCutover: true,
    async run({ start }) {
      await ended(start({ action: 'cutover', version: 'matrix' }));
    },
  },
  {
    name: 'cutover, idle detached',
    why: 'a cutover while the idle side is not in the forward action yet, so Attach writes the router',
    plainCutover: true,
    async run({ env, start }) {
      await detachIdle(env);
      await ended(start({ action: 'cutover', version: 'matrix' }));
    },
  },
  {
    name: 'cutover stopped in the bake',
    why: 'a cutover stopped after its switch: the status-change rule rolls it back',
    stops: true,
    restores: true,
    async run({ env, start }) {
      let exec: LocalExecution | undefined;
      const remove = env.workflow.onInvoke('Bake', () => void exec?.stop());
      try {
        exec = start({ action: 'cutover', version: 'matrix' });
        await ended(exec);
        await invocationsDone(exec);
      } finally {
        remove();
      }
    },
  },
  {
    name: 'alarm before the switch',
    why: 'an alarm in ALARM at the gate: the cutover aborts',
    async run({ env, start }) {
      await env.setAlarm(env.fixture.alarmNames[0]!, 'ALARM', 'Threshold Crossed');
      await ended(start({ action: 'cutover', version: 'matrix' }));
    },
  },
  {
    name: 'step crash after the switch',
    why: 'the first Bake invocation crashes (Runtime.ExitError) after the switch: the cutover rolls back',
    async run({ env, start }) {
      const remove = env.workflow.injectTaskFault('Bake', { error: 'Runtime.ExitError', message: 'crashed' });
      try {
        await ended(start({ action: 'cutover', version: 'matrix' }));
      } finally {
        remove();
      }
    },
  },
  {
    name: 'rollback joins the bake',
    why: 'a rollback started while a cutover bakes: it joins the cutover and awaits its rollback',
    async run({ env, start, executions }) {
      let rollback: LocalExecution | undefined;
      const remove = env.workflow.onInvoke('Bake', () => {
        rollback ??= start({ action: 'rollback', reason: 'matrix' });
      });
      try {
        const cutover = start({ action: 'cutover', version: 'matrix' });
        await until(() => rollback !== undefined || cutover.status !== 'RUNNING', 'the bake');
        await Promise.all(executions.map(ended));
      } finally {
        remove();
      }
    },
  },
];

/** The first AWS write a step makes in a clean run of its driver, or its first call without a write. */
export interface StepPlan {
  readonly step: Step;
  readonly driver: Driver;
  readonly calls: readonly ApiCall[];
  readonly target?: ApiCall;
}

/** The calls of each step in a clean run of the driver, by the invocation windows of its history. */
function callsByStep(
  steps: readonly Step[],
  executions: readonly LocalExecution[],
  calls: readonly ApiCall[],
) {
  const out = new Map<string, { ran: boolean; calls: ApiCall[] }>();
  for (const step of steps) {
    const caller = callerId(step.fn);
    const own = calls.filter((c) => c.caller === caller);
    if (step.via === 'rule') {
      const ran = executions.some((e) =>
        e.history.some((h) => h.type === 'StatusEventDelivered' && h.delivery.functionName === step.fn.name),
      );
      out.set(step.name, { ran, calls: ran ? own : [] });
      continue;
    }
    const windows: Array<[number, number]> = [];
    for (const exec of executions) {
      const started = new Map<string, number>();
      for (const h of exec.history) {
        if (h.type === 'LambdaInvoked' && h.state === step.name) started.set(h.requestId, h.timestamp);
        if ((h.type === 'LambdaSucceeded' || h.type === 'LambdaFailed') && started.has(h.requestId))
          windows.push([started.get(h.requestId)!, h.timestamp]);
      }
    }
    const inside = own.filter((c) => windows.some(([a, b]) => c.at >= a && c.at <= b));
    out.set(step.name, { ran: windows.length > 0, calls: inside });
  }
  return out;
}

/** Runs every driver once without faults and picks, per step, its driver and its target call. */
export async function planSteps(env: OfflineEnvironment, steps: readonly Step[]): Promise<StepPlan[]> {
  // A step is driven by the first scenario in which it calls AWS, else the first in which it runs.
  const best = new Map<string, { rank: number; plan: StepPlan }>();
  for (const driver of DRIVERS) {
    const from = env.aws.calls.length;
    const ctx = context(env);
    await driver.run(ctx);
    await resetWorld(env, ctx.executions);
    const seen = callsByStep(steps, ctx.executions, env.aws.calls.slice(from));
    for (const step of steps) {
      const s = seen.get(step.name);
      if (!s?.ran) continue;
      const write = s.calls.find((c) => WRITE.test(c.operation));
      const rank = s.calls.length > 0 ? 2 : 1;
      if ((best.get(step.name)?.rank ?? 0) >= rank) continue;
      best.set(step.name, { rank, plan: { step, driver, calls: s.calls, target: write ?? s.calls[0] } });
    }
  }
  return steps.map((step) => {
    const plan = best.get(step.name)?.plan;
    if (!plan) throw new Error(`no scenario runs step ${step.name}: add a driver to DRIVERS`);
    return plan;
  });
}

function context(env: OfflineEnvironment): DriverContext {
  const executions: LocalExecution[] = [];
  return {
    env,
    executions,
    start(input) {
      const exec = env.start(input);
      executions.push(exec);
      return exec;
    },
  };
}

const CODES: Record<'throttling' | '5xx' | 'access denied', Record<string, [string, number]>> = {
  throttling: {
    dynamodb: ['ThrottlingException', 400],
    elasticloadbalancing: ['Throttling', 400],
    monitoring: ['Throttling', 400],
    events: ['ThrottlingException', 400],
    lambda: ['TooManyRequestsException', 429],
  },
  '5xx': {
    dynamodb: ['InternalServerError', 500],
    elasticloadbalancing: ['InternalFailure', 500],
    monitoring: ['InternalFailure', 500],
    events: ['InternalException', 500],
    lambda: ['ServiceException', 500],
  },
  'access denied': {
    dynamodb: ['AccessDeniedException', 400],
    elasticloadbalancing: ['AccessDenied', 403],
    monitoring: ['AccessDenied', 403],
    events: ['AccessDeniedException', 400],
    lambda: ['AccessDeniedException', 403],
  },
};

/** Why a cell cannot be run, or undefined when it can. */
export function notReachable(plan: StepPlan, kind: FaultKind): string | undefined {
  const aws = kind !== 'Lambda timeout' && kind !== 'stop';
  if (aws && !plan.target && kind !== 'throttling') return `${plan.step.name} makes no AWS call`;
  if (plan.step.via === 'rule' && (kind === 'Lambda timeout' || kind === 'stop'))
    return kind === 'stop'
      ? 'runs after the execution ended: there is no execution left to stop'
      : 'the runner delivers rule targets without Lambda-level fault injection';
  return undefined;
}

/** Sets the fault of one cell up; returns what removes it. */
function arm(env: OfflineEnvironment, plan: StepPlan, kind: FaultKind, ctx: DriverContext): () => void {
  const removers: Array<() => void> = [];
  const { step, target } = plan;
  const caller = callerId(step.fn);
  const proxyFault = (): Fault | undefined => {
    if (!target) return undefined;
    const on = { service: target.service, operation: target.operation, caller };
    switch (kind) {
      case 'throttling':
      case '5xx':
      case 'access denied': {
        const [code, status] = CODES[kind][target.service] ?? ['InternalFailure', 500];
        const times = kind === 'access denied' ? undefined : 4;
        return { ...on, code, status, message: `injected ${kind}`, ...(times ? { times } : {}) };
      }
      case 'answer lost':
        return { ...on, effect: 'answer-lost', times: 3 };
      case 'unreachable':
        return { service: target.service, caller, effect: 'unreachable', forMs: 3000 };
      default:
        return undefined;
    }
  };
  const fault = proxyFault();
  if (step.via === 'rule') {
    if (fault) removers.push(env.aws.injectFault(fault));
    return () => {
      for (const r of removers) r();
    };
  }
  let armed = false;
  removers.push(
    env.workflow.onInvoke(step.name, () => {
      if (armed) return;
      armed = true;
      if (fault) removers.push(env.aws.injectFault(fault));
      if (kind === 'stop') {
        const running = ctx.executions.find((e) => {
          const last = [...e.history].reverse().find((h) => h.type === 'StateEntered');
          return e.status === 'RUNNING' && last?.type === 'StateEntered' && last.state === step.name;
        });
        void running?.stop();
      }
    }),
  );
  if (kind === 'throttling')
    removers.push(
      env.workflow.injectTaskFault(step.name, {
        error: 'Lambda.TooManyRequestsException',
        message: 'Rate Exceeded.',
      }),
    );
  if (kind === 'Lambda timeout')
    removers.push(
      env.workflow.injectTaskFault(step.name, {
        error: 'Sandbox.Timedout',
        message: `Task timed out after ${step.fn.timeoutSeconds}.00 seconds`,
      }),
    );
  return () => {
    for (const r of removers) r();
  };
}

/** What a cell ended with. */
export interface CellResult {
  readonly step: string;
  readonly kind: FaultKind;
  readonly driver: string;
  /** Why the cell was not run. */
  readonly skipped?: string;
  /** The outcome of each execution, in start order: SUCCEEDED, ABORTED or the error name. */
  readonly outcomes: string[];
  readonly traffic?: string;
  readonly leaseFree?: boolean;
  /** Whether the fault was actually hit (the step was invoked with the fault armed). */
  readonly hit?: boolean;
  /** What the cell broke of the matrix's rule; empty when it holds. */
  readonly problems: string[];
  readonly ms: number;
}

const CONTRACT = new Set<string>(ERROR_NAMES);

export async function runCell(env: OfflineEnvironment, plan: StepPlan, kind: FaultKind): Promise<CellResult> {
  const base = { step: plan.step.name, kind, driver: plan.driver.name };
  const skipped = notReachable(plan, kind);
  if (skipped) return { ...base, skipped, outcomes: [], problems: [], ms: 0 };
  const t0 = Date.now();
  const ctx = context(env);
  const before = await env.weights();
  const liveBefore = before.blue === 100 ? 'blue' : 'green';
  const callsBefore = env.aws.calls.length;
  const metricsBefore = env.metrics.filter((m) => m.name === 'RollbackFailed').length;
  const disarm = arm(env, plan, kind, ctx);
  const problems: string[] = [];
  try {
    await plan.driver.run(ctx);
  } catch (error) {
    problems.push(`the scenario broke: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    disarm();
  }
  await Promise.all(
    ctx.executions.map(async (e) => {
      await e.result;
      await e.statusEvents;
      await invocationsDone(e);
    }),
  );

  const caller = callerId(plan.step.fn);
  const hit =
    plan.step.via === 'rule'
      ? env.aws.calls.slice(callsBefore).some((c) => c.caller === caller)
      : ctx.executions.some((e) => entered(e, plan.step.name));
  if (!hit) problems.push(`the faulted step ${plan.step.name} never ran`);
  const { target } = plan;
  if (target && kind !== 'Lambda timeout' && kind !== 'stop') {
    // An unreachable endpoint takes every operation of the service, from the first one on.
    const anyOperation = kind === 'unreachable';
    const faulted = env.aws.calls
      .slice(callsBefore)
      .some(
        (c) =>
          c.caller === caller &&
          c.service === target.service &&
          (anyOperation || c.operation === target.operation),
      );
    if (!faulted) problems.push(`${plan.step.name} never made the faulted call ${target.operation}`);
  }

  const ended = await Promise.all(ctx.executions.map((e) => e.result));
  const outcomes = ended.map((o) => (o.status === 'FAILED' ? o.error : o.status));
  for (const [i, o] of outcomes.entries()) {
    const stopped = kind === 'stop' || plan.driver.stops === true;
    const allowed = o === 'SUCCEEDED' || (o === 'ABORTED' && stopped) || CONTRACT.has(o);
    if (!allowed) {
      const end = ended[i];
      const cause = end?.status === 'FAILED' ? `: ${end.cause.slice(0, 300)}` : '';
      problems.push(`execution ${i + 1} ended ${o}, not a DESIGN.md outcome${cause}`);
    }
  }
  // A brief fault (throttling, a 5xx burst, a lost answer, a few seconds' outage) is what the retries
  // are for: a healthy cutover must still succeed.
  const brief = kind === 'throttling' || kind === '5xx' || kind === 'answer lost' || kind === 'unreachable';
  if (brief && plan.driver.plainCutover && outcomes[0] !== 'SUCCEEDED')
    problems.push(`a brief ${kind} made a healthy cutover end ${outcomes[0]} instead of SUCCEEDED`);
  if (brief && plan.driver.restores && (await env.weights())[liveBefore] !== 100)
    problems.push(`a brief ${kind} kept traffic from going back to ${liveBefore}`);
  const rollbackFailed =
    outcomes.includes('RollbackFailed') ||
    (plan.step.via === 'rule' &&
      env.metrics.filter((m) => m.name === 'RollbackFailed').length > metricsBefore);
  if (rollbackFailed && env.metrics.filter((m) => m.name === 'RollbackFailed').length <= metricsBefore)
    problems.push('RollbackFailed without the RollbackFailed metric');

  const weights = await env.weights();
  const side =
    weights.blue === 100 && !weights.green
      ? 'blue'
      : weights.green === 100 && !weights.blue
        ? 'green'
        : undefined;
  let traffic = side
    ? `${side} (${side === liveBefore ? 'stayed' : 'moved'})`
    : `blue ${weights.blue} / green ${weights.green}`;
  if (side) {
    const healthy = (await env.aws.targetHealth(env.targetGroupOf(side))).every((t) => t.state === 'healthy');
    if (!healthy) traffic += ' (unhealthy)';
    if (!healthy && !rollbackFailed) problems.push(`traffic is on ${side}, which is not healthy`);
  } else if (!rollbackFailed) problems.push(`traffic is split: ${traffic}`);

  // One cutover: its release record says what traffic shows (moved exactly when it succeeded).
  if (plan.driver.plainCutover && side && ctx.executions[0]) {
    const recorded = await releaseOutcome(env, ctx.executions[0].executionArn);
    if ((recorded === 'succeeded') !== (side !== liveBefore))
      problems.push(
        `traffic ${side === liveBefore ? 'stayed' : 'moved'} but the release is recorded ${recorded}`,
      );
  }
  const leaseFree = (await leaseHolder(env)) === undefined;
  if (!leaseFree) problems.push('the lease is still held after every execution ended');
  await resetWorld(env, ctx.executions);
  return { ...base, outcomes, traffic, leaseFree, hit, problems, ms: Date.now() - t0 };
}

function dynamo(env: OfflineEnvironment): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: env.moto.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
}

function leaseKey(env: OfflineEnvironment) {
  const table = env.workflow.wf.tables[0];
  if (!table) throw new Error('the stack has no table');
  return { TableName: table.name, Key: { pk: { S: `service#${env.config.service}` }, sk: { S: 'lease' } } };
}

/** The owner of the service's lease, read from the table in moto; undefined when it is free. */
export async function leaseHolder(env: OfflineEnvironment): Promise<string | undefined> {
  const db = dynamo(env);
  try {
    const out = await db.send(new GetItemCommand({ ...leaseKey(env), ConsistentRead: true }));
    return out.Item?.owner?.S ?? (out.Item ? '?' : undefined);
  } finally {
    db.destroy();
  }
}

/** The outcome the release history holds for an execution; undefined when it has no record. */
async function releaseOutcome(env: OfflineEnvironment, executionArn: string): Promise<string | undefined> {
  const db = dynamo(env);
  try {
    const out = await db.send(
      new QueryCommand({
        TableName: leaseKey(env).TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :release)',
        ExpressionAttributeValues: {
          ':pk': { S: `service#${env.config.service}` },
          ':release': { S: 'release#' },
        },
        ConsistentRead: true,
      }),
    );
    return out.Items?.find((i) => i.executionArn?.S === executionArn)?.outcome?.S;
  } finally {
    db.destroy();
  }
}

/** Removes the idle side from the listener's forward action (as before the first release). */
async function detachIdle(env: OfflineEnvironment): Promise<void> {
  const w = await env.weights();
  const live = w.blue === 100 ? 'blue' : 'green';
  await writeOnly(env, live);
}

async function writeOnly(env: OfflineEnvironment, side: 'blue' | 'green'): Promise<void> {
  const elb = elbv2Client(env.moto.endpoint);
  try {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: env.fixture.listenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: env.targetGroupOf(side), Weight: 100 }] },
          },
        ],
      }),
    );
  } finally {
    elb.destroy();
  }
  await env.aws.settle();
}

/**
 * Puts the world back between cells, so each starts alike: alarms OK, no health overrides, the
 * lease free, all traffic on one side with the other attached at weight 0.
 */
export async function resetWorld(
  env: OfflineEnvironment,
  executions: readonly LocalExecution[],
): Promise<void> {
  for (const e of executions) if (e.status === 'RUNNING') await e.stop();
  await Promise.all(executions.map(invocationsDone));
  for (const alarm of env.fixture.alarmNames) await env.setAlarm(alarm, 'OK');
  env.clearSideHealth();
  if ((await leaseHolder(env)) !== undefined) {
    const db = dynamo(env);
    try {
      await db.send(new DeleteItemCommand(leaseKey(env)));
    } finally {
      db.destroy();
    }
  }
  const w = await env.weights();
  const live = w.blue === 100 ? 'blue' : w.green === 100 ? 'green' : 'blue';
  if (
    w.blue === null ||
    w.green === null ||
    (w.blue ?? 0) + (w.green ?? 0) !== 100 ||
    (w[live] ?? 0) !== 100
  ) {
    await writeOnly(env, live);
  }
  // The idle side attached at weight 0, settled, as after any release.
  const elb = elbv2Client(env.moto.endpoint);
  const idle = live === 'blue' ? 'green' : 'blue';
  try {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: env.fixture.listenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: env.targetGroupOf(live), Weight: 100 },
                { TargetGroupArn: env.targetGroupOf(idle), Weight: 0 },
              ],
            },
          },
        ],
      }),
    );
  } finally {
    elb.destroy();
  }
  await env.aws.settle();
}
