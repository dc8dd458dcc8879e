import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The step handlers, by folder under lambdas/, with the seconds each invocation may run. Polling
 * steps run about a minute per invocation, so their history stays small.
 */
export const STEP_TIMEOUT_SECONDS = {
  validate: 10,
  'acquire-lease': 20,
  'resolve-roles': 30,
  attach: 20,
  deploy: 75,
  'wait-healthy': 75,
  gate: 30,
  'switch-traffic': 30,
  watch: 75,
  finalize: 20,
  abort: 20,
  rollback: 30,
  'await-rollback': 75,
  'on-execution-ended': 30,
} as const;

export type StepName = keyof typeof STEP_TIMEOUT_SECONDS;

/** One value per step, in the order of the table above; the compiler checks that no step is missing. */
export function perStep<T>(make: (step: StepName) => T): Record<StepName, T> {
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
  /** The listener the workflow switches. */
  | 'listener'
  /** The default event bus, which receives the release events. */
  | 'defaultBus'
  /** The configured alarms (no statement when there are none). */
  | 'alarms'
  /** The deploy hook function (no statement without a `lambda-hook` deploy). */
  | 'deployHook';

/**
 * One statement of a step's policy. A grant on `*` must say why, since least privilege is the
 * rule: only actions that take no resource-level permissions get one.
 */
export type StepGrant =
  | { readonly actions: readonly string[]; readonly on: GrantResource }
  | {
      readonly actions: readonly string[];
      readonly on: '*';
      readonly why: string;
      readonly condition?: Record<string, Record<string, string>>;
    };

const ELB_DESCRIBE_WHY = 'Elastic Load Balancing Describe* calls take no resource-level permissions';

function describeElb(...calls: string[]): StepGrant {
  return { actions: calls.map((call) => `elasticloadbalancing:${call}`), on: '*', why: ELB_DESCRIBE_WHY };
}

const MODIFY_LISTENER: StepGrant = { actions: ['elasticloadbalancing:ModifyListener'], on: 'listener' };
const RELEASE_LEASE: StepGrant = { actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'], on: 'table' };
const PUT_EVENTS: StepGrant = { actions: ['events:PutEvents'], on: 'defaultBus' };
const DESCRIBE_ALARMS: StepGrant = {
  // Scoped to the configured alarms; AWS returns composite alarms only to a '*' grant, so they are not supported yet.
  actions: ['cloudwatch:DescribeAlarms'],
  on: 'alarms',
};

/**
 * Least privilege, per step: the calls each handler makes, on the exact resources of this service.
 * The order within a step is the order of the statements in its policy.
 */
export const STEP_GRANTS: Record<StepName, readonly StepGrant[]> = {
  validate: [],
  'acquire-lease': [
    { actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' },
  ],
  'resolve-roles': [
    { actions: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], on: 'table' },
    describeElb(
      'DescribeListeners',
      'DescribeRules',
      'DescribeTargetHealth',
      'DescribeTargetGroupAttributes',
    ),
  ],
  attach: [
    MODIFY_LISTENER,
    { actions: ['dynamodb:UpdateItem'], on: 'table' },
    describeElb('DescribeListeners'),
  ],
  deploy: [{ actions: ['lambda:InvokeFunction'], on: 'deployHook' }],
  'wait-healthy': [describeElb('DescribeTargetHealth')],
  gate: [describeElb('DescribeTargetHealth'), DESCRIBE_ALARMS],
  'switch-traffic': [
    MODIFY_LISTENER,
    { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' },
    describeElb('DescribeListeners', 'DescribeTargetHealth', 'DescribeTargetGroupAttributes'),
  ],
  watch: [
    MODIFY_LISTENER,
    { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], on: 'table' },
    describeElb('DescribeListeners', 'DescribeTargetHealth'),
    DESCRIBE_ALARMS,
  ],
  finalize: [RELEASE_LEASE, PUT_EVENTS],
  // Abort reads the listener only to name the live side in the cause.
  abort: [describeElb('DescribeListeners'), RELEASE_LEASE, PUT_EVENTS],
  rollback: [
    MODIFY_LISTENER,
    describeElb('DescribeListeners', 'DescribeTargetHealth'),
    RELEASE_LEASE,
    PUT_EVENTS,
  ],
  'await-rollback': [{ actions: ['dynamodb:GetItem'], on: 'table' }],
  'on-execution-ended': [
    MODIFY_LISTENER,
    describeElb('DescribeListeners', 'DescribeTargetHealth'),
    RELEASE_LEASE,
    { actions: ['dynamodb:GetItem'], on: 'table' },
    PUT_EVENTS,
  ],
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
