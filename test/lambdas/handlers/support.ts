import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type {
  Action,
  DescribeTargetHealthCommandOutput,
  Listener,
  TargetHealthReasonEnum,
  TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LeaseItem, ReleaseRecord } from '../../../lambdas/shared/contract';
import { BlueGreenError, CONFIG_ENV, type Color, type RuntimeConfig } from '../../../lambdas/shared/contract';
import type { Roles, WorkflowState } from '../../../lambdas/shared/state';

/** The configuration a handler test runs with; the ARNs have AWS's real shapes. */
export const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const LOAD_BALANCER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/orders/50dc6c495c0c9188';
export const BLUE_TG =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-blue/73e2d6bc24d8a067';
export const GREEN_TG =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders-green/09a6c3f2a6f6e7b1';
export const HOOK_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders-deploy';
export const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-1';
/** An earlier cutover (release-0) that holds the lease when a console rollback starts, and its release record. */
export const CUTOVER_ARN = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-0';
export const CUTOVER_RELEASE = 'release#2026-11-27T12:00:00.000Z#release-0';
/** A later execution (release-2) that took the lease over from this one. */
export const OTHER_EXECUTION =
  'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-2';

export const CONFIG: RuntimeConfig = {
  service: 'orders-api',
  traffic: {
    type: 'alb-listener',
    listenerArn: LISTENER_ARN,
    blueTargetGroupArn: BLUE_TG,
    greenTargetGroupArn: GREEN_TG,
  },
  deploy: { type: 'none' },
  alarms: ['orders-api-5xx'],
  healthTimeoutSeconds: 60,
  pollSeconds: 1,
  bakeSeconds: 60,
  tableName: 'bluegreen-orders-api',
  leaseSeconds: 7200,
  eventBusName: 'default',
  metricNamespace: 'BlueGreenCutover',
};

/**
 * Puts the configuration where the handlers read it. Handlers cache it per module registry (as per
 * container in Lambda), so call this before the handler is first invoked in a test file, or use
 * `jest.isolateModules` for a file that needs two configurations.
 */
export function useConfig(overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  const config = { ...CONFIG, ...overrides };
  process.env[CONFIG_ENV] = JSON.stringify(config);
  return config;
}

/** Blue live, green idle and attached: the roles of a cutover after ResolveRoles. */
export const ROLES: Roles = {
  live: 'blue',
  idle: 'green',
  liveTargetGroupArn: BLUE_TG,
  idleTargetGroupArn: GREEN_TG,
  idleAttached: true,
  loadBalancerArn: LOAD_BALANCER_ARN,
  releaseKey: 'release#2026-11-27T12:00:00.000Z#release-1',
  warnings: [],
};

/** The key of the lease item in the table. */
export const LEASE_KEY = { pk: 'service#orders-api', sk: 'lease' };

/** The key of this execution's release record (ROLES.releaseKey) in the table. */
export const RECORD_KEY = { pk: 'service#orders-api', sk: ROLES.releaseKey };

/** The lease fence of one phase: a conditional update of the lease item by this execution that sets `phase`. */
export function fenceOf(phase: string) {
  return {
    Key: LEASE_KEY,
    ConditionExpression: '#owner = :me AND expiresAt > :now',
    ExpressionAttributeValues: expect.objectContaining({ ':me': EXECUTION_ARN, ':phase': phase }),
  };
}

/** A cutover's state after ResolveRoles; pass the parts a step adds. */
export function cutoverState(extra: Partial<WorkflowState> = {}): WorkflowState {
  return {
    execution: { arn: EXECUTION_ARN, name: 'release-1', startedAt: '2026-11-27T12:00:00.000Z' },
    request: { action: 'cutover', version: 'v2', dryRun: false, schemaChange: 'none' },
    lease: { owner: EXECUTION_ARN, expiresAt: 1_900_000_000 },
    roles: ROLES,
    ...extra,
  };
}

/** A console rollback's state after ResolveRoles (green live, going back to blue). */
export function rollbackState(extra: Partial<WorkflowState> = {}): WorkflowState {
  return {
    execution: { arn: EXECUTION_ARN, name: 'rollback-1', startedAt: '2026-11-27T13:00:00.000Z' },
    request: { action: 'rollback', dryRun: false, force: false },
    lease: { owner: EXECUTION_ARN, expiresAt: 1_900_000_000 },
    roles: {
      ...ROLES,
      live: 'green',
      idle: 'blue',
      liveTargetGroupArn: GREEN_TG,
      idleTargetGroupArn: BLUE_TG,
      idleVersion: 'v1',
      undoes: 'release#2026-11-27T12:00:00.000Z#release-1',
    },
    ...extra,
  };
}

/** The event the state machine sends every step but Validate. */
export function stepEvent(state: WorkflowState): { state: WorkflowState } {
  return { state };
}

/** The default action this workflow leaves: one forward with these weights (null: group not listed). */
export function weightedForward(blue: number | null, green: number | null): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          ...(blue === null ? [] : [{ TargetGroupArn: BLUE_TG, Weight: blue }]),
          ...(green === null ? [] : [{ TargetGroupArn: GREEN_TG, Weight: green }]),
        ],
      },
    },
  ];
}

/** The listener write that puts all traffic on `side`: one forward, `side` at 100 first, the other side at 0. */
export function allTrafficTo(side: Color): { ListenerArn: string; DefaultActions: Action[] } {
  const [to, from] = side === 'blue' ? [BLUE_TG, GREEN_TG] : [GREEN_TG, BLUE_TG];
  return {
    ListenerArn: LISTENER_ARN,
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: to, Weight: 100 },
            { TargetGroupArn: from, Weight: 0 },
          ],
        },
      },
    ],
  };
}

/** The configured listener (HTTPS:443 on LOAD_BALANCER_ARN) as DescribeListeners returns it. */
export function listenerWith(actions: Action[], extra: Partial<Listener> = {}): Listener {
  return {
    ListenerArn: LISTENER_ARN,
    LoadBalancerArn: LOAD_BALANCER_ARN,
    Protocol: 'HTTPS',
    Port: 443,
    DefaultActions: actions,
    ...extra,
  };
}

const REASONS: Partial<Record<TargetHealthStateEnum, TargetHealthReasonEnum>> = {
  initial: 'Elb.InitialHealthChecking',
  unhealthy: 'Target.ResponseCodeMismatch',
  unused: 'Target.NotInUse',
  draining: 'Target.DeregistrationInProgress',
  unavailable: 'Target.HealthCheckDisabled',
};

/** DescribeTargetHealth's answer: one target per state (i-01, i-02, ... on port 8080), with AWS's reasons. */
export function targetHealth(...states: TargetHealthStateEnum[]): DescribeTargetHealthCommandOutput {
  return {
    $metadata: {},
    TargetHealthDescriptions: states.map((state, i) => ({
      Target: { Id: `i-0${i + 1}`, Port: 8080 },
      TargetHealth: { State: state, ...(REASONS[state] ? { Reason: REASONS[state] } : {}) },
    })),
  };
}

/** The lease item of this execution as DynamoDB returns it. */
export function leaseItem(extra: Partial<LeaseItem> = {}): Record<string, unknown> {
  return {
    pk: 'service#orders-api',
    sk: 'lease',
    owner: EXECUTION_ARN,
    action: 'cutover',
    version: 'v2',
    phase: 'acquired',
    acquiredAt: '2026-11-27T12:00:00.000Z',
    expiresAt: 1_900_000_000,
    ...extra,
  };
}

/** A release record as a history Query returns it. */
export function releaseItem(record: ReleaseRecord): Record<string, unknown> {
  const { key, ...rest } = record;
  return { pk: 'service#orders-api', sk: key, ...rest };
}

/** What DynamoDB answers when a condition fails: a lease lost or taken, a record already there. */
export function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/**
 * An error as the AWS SDK throws it: `name` is AWS's error code and `$metadata` carries the HTTP
 * status of AWS's answer. Without a status it stands for a connection that got no answer at all.
 */
export function awsError(name: string, message: string, httpStatusCode?: number): Error {
  const error = new Error(message);
  error.name = name;
  return httpStatusCode === undefined ? error : Object.assign(error, { $metadata: { httpStatusCode } });
}

/** Awaits `promise` and returns the contract error it rejects with (fails the test on anything else). */
export async function rejected(promise: Promise<unknown>): Promise<BlueGreenError> {
  const error = await rejectedWith(promise);
  if (error instanceof BlueGreenError) return error;
  throw error;
}

/** Awaits `promise` and returns the error it rejects with, contract error or not. */
export async function rejectedWith(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/**
 * Lets a polling handler run to its end on jest's fake clock: every sleep is skipped as soon as the
 * handler reaches it. Call `jest.useFakeTimers()` first.
 */
export async function onFakeClock<T>(promise: Promise<T>): Promise<T> {
  const settled = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await jest.runAllTimersAsync();
  const outcome = await settled;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/**
 * What the state machine puts in `$.failure` when a Lambda step throws `error`: the Catch's `Error`
 * is the error's name and its `Cause` the JSON that Lambda reports for a thrown error.
 */
export function taskFailure(error: Error): { Error: string; Cause: string } {
  return {
    Error: error.name,
    Cause: JSON.stringify({
      errorType: error.name,
      errorMessage: error.message,
      trace: [`${error.name}: ${error.message}`, '    at handler (/var/task/index.js:1:1)'],
    }),
  };
}

/** The contract's cause object of a failure outcome (what the Fail state reports). */
export function causeOf(outcome: { cause: string }): Record<string, unknown> {
  return JSON.parse(outcome.cause) as Record<string, unknown>;
}

type ConsoleMethod = 'log' | 'warn' | 'error';

/** Keeps the handlers' JSON log lines out of the test output: those of `methods`, or of all three. */
export function quietLogs(...methods: ConsoleMethod[]): void {
  const quieted: ConsoleMethod[] = methods.length > 0 ? methods : ['log', 'warn', 'error'];
  for (const method of quieted) {
    jest.spyOn(console, method).mockImplementation(() => undefined);
  }
}
