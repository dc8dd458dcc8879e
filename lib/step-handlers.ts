import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { STEP_TIMEOUT_SECONDS } from './handler-contract';
import type { RouterUse } from './routers';

export { STEP_TIMEOUT_SECONDS } from './handler-contract';

export type StepName = keyof typeof STEP_TIMEOUT_SECONDS;

/** Steps whose function exists only when the configuration uses them (`hooks.beforeTraffic`). */
export type OptionalStep = 'before-traffic';
/** The steps every stack has. */
export type CoreStep = Exclude<StepName, OptionalStep>;

/** One value per core step, in the order of the table above; the compiler checks that no step is missing. */
export function perStep<T>(make: (step: CoreStep) => T): Record<CoreStep, T> {
  return {
    validate: make('validate'),
    'acquire-lease': make('acquire-lease'),
    'resolve-roles': make('resolve-roles'),
    attach: make('attach'),
    deploy: make('deploy'),
    'wait-healthy': make('wait-healthy'),
    gate: make('gate'),
    'switch-traffic': make('switch-traffic'),
    watch: make('watch'),
    finalize: make('finalize'),
    abort: make('abort'),
    rollback: make('rollback'),
    'await-rollback': make('await-rollback'),
    'on-execution-ended': make('on-execution-ended'),
  };
}

/** The resources of one service that a grant can name; the construct resolves each to ARNs. */
export type GrantResource =
  /** The lease and release-history table. */
  | 'table'
  /** The default event bus, which receives the release events. */
  | 'defaultBus'
  /** The configured alarms (no statement when there are none). */
  | 'alarms'
  /** The executions of this service's own state machine. */
  | 'executions';

/** One statement of a step's policy that is not the router's or the deploy's (see lib/routers). */
export interface StepGrant {
  readonly actions: readonly string[];
  readonly on: GrantResource;
  /** Why a wildcard inside the resource's ARN is needed. */
  readonly why?: string;
}

const RELEASE_LEASE: StepGrant = { actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], on: 'table' };
/** Whether the cutover a rollback would join still runs. */
const DESCRIBE_EXECUTION: StepGrant = {
  actions: ['states:DescribeExecution'],
  on: 'executions',
  why: "Execution names are chosen at StartExecution: the grant names this service's state machine, any of its executions",
};
const PUT_EVENTS: StepGrant = { actions: ['events:PutEvents'], on: 'defaultBus' };
const DESCRIBE_ALARMS: StepGrant = {
  // Scoped to the configured alarms; AWS returns composite alarms only to a '*' grant, so they are not supported yet.
  actions: ['cloudwatch:DescribeAlarms'],
  on: 'alarms',
};

/**
 * What each step does with the router (the router port's methods it calls); the router's adapter
 * turns each use into the calls it takes, on exact ARNs (lib/routers).
 */
export const STEP_ROUTER_USES: Record<StepName, readonly RouterUse[]> = {
  validate: [],
  'acquire-lease': [],
  'resolve-roles': ['inspect', 'drain'],
  attach: ['attach', 'read'],
  deploy: [],
  'wait-healthy': ['health'],
  gate: ['health'],
  'before-traffic': [],
  'switch-traffic': ['write', 'read', 'health', 'drain'],
  watch: ['write', 'read', 'health'],
  finalize: [],
  // Abort reads the router only to name the live side in the cause.
  abort: ['read'],
  rollback: ['write', 'read', 'health'],
  'await-rollback': [],
  'on-execution-ended': ['write', 'read', 'health'],
};

/**
 * Least privilege, per step: the calls each handler makes besides the router's and the deploy's, on
 * the exact resources of this service.
 */
export const STEP_GRANTS: Record<StepName, readonly StepGrant[]> = {
  validate: [],
  'acquire-lease': [
    { actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' },
    DESCRIBE_EXECUTION,
  ],
  'resolve-roles': [
    { actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], on: 'table' },
    PUT_EVENTS,
  ],
  attach: [{ actions: ['dynamodb:UpdateItem'], on: 'table' }],
  deploy: [],
  'wait-healthy': [],
  gate: [DESCRIBE_ALARMS],
  // Invokes the beforeTraffic hook only (lib/deploy-grants.ts, hookGrants).
  'before-traffic': [],
  'switch-traffic': [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' }, PUT_EVENTS],
  watch: [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' }, DESCRIBE_ALARMS],
  finalize: [{ actions: ['dynamodb:GetItem'], on: 'table' }, RELEASE_LEASE, PUT_EVENTS],
  abort: [RELEASE_LEASE, PUT_EVENTS],
  rollback: [RELEASE_LEASE, PUT_EVENTS],
  'await-rollback': [{ actions: ['dynamodb:GetItem'], on: 'table' }, DESCRIBE_EXECUTION],
  'on-execution-ended': [RELEASE_LEASE, { actions: ['dynamodb:GetItem'], on: 'table' }, PUT_EVENTS],
};

function entryFor(step: StepName): string {
  // Works from the TypeScript sources and from a compiled copy alike.
  const ts = join(__dirname, '..', 'lambdas', step, 'index.ts');
  return existsSync(ts) ? ts : join(__dirname, '..', 'lambdas', step, 'index.js');
}

export interface StepHandlerProps {
  /** Which handler under lambdas/ this function runs. */
  readonly step: StepName;
  /** The function's environment: the handlers' configuration. */
  readonly environment: Record<string, string>;
  /** How long the function's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * One step handler: Node.js 22 on arm64, bundled by esbuild with its SDK clients inside (the
 * version tested is the version run), X-Ray tracing, JSON logs kept for the configured time.
 */
export class StepHandler extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: StepHandlerProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: entryFor(props.step),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(STEP_TIMEOUT_SECONDS[props.step]),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      environment: props.environment,
      description: `blue-green ${props.step} step`,
      bundling: {
        externalModules: [],
        format: OutputFormat.CJS,
        // ES modules first, so esbuild drops what a handler does not use (most of zod, SDK parts).
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        target: 'node22',
      },
    });
    // Findings of the AWS Solutions checks (cdk-nag) that are the design, each with its constraint.
    const findings = Validations.of(this.fn);
    findings.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only lets the function write CloudWatch Logs; the log group is its own, with the configured retention',
    });
    findings.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Only for actions that take no resource-level permissions: X-Ray's PutTraceSegments/PutTelemetryRecords and Elastic Load Balancing Describe*",
    });
    findings.acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The handlers are built and tested for nodejs22.x (esbuild target node22); the runtime moves with the project, not per deploy',
    });
  }
}
