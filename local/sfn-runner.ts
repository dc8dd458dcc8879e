/**
 * Runs the synthesized Step Functions state machine of a CDK cloud assembly (cdk.out) offline:
 * aws-local-stepfunctions interprets the ASL exactly as `cdk synth` wrote it, and every Lambda task is
 * bound, by its resolved FunctionName, to the bundled handler code of that function in cdk.out, run in a
 * worker thread that has the function's own environment and timeout.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';

// aws-local-stepfunctions calls Promise.withResolvers (Node 22+) inside every Task. Without it each task
// throws a TypeError that a States.ALL catch would silently turn into a business failure. The library
// only calls it while running, so installing it at load time of this module is early enough.
type WithResolvers = <T>() => {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
};
const promiseWithResolvers = Promise as PromiseConstructor & { withResolvers?: WithResolvers };
if (typeof promiseWithResolvers.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

// ---------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface SynthesizedFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** e.g. `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment.Variables with every token resolved. */
  environment: Record<string, string>;
  /** Absolute path of the bundled code in cdk.out; undefined for inline code or container images. */
  assetDir?: string;
  /** The function's execution role: its statements (inline and AWS::IAM::Policy), tokens resolved. */
  role: SynthesizedRole;
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface SynthesizedRole {
  arn: string;
  statements: PolicyStatement[];
  /** Managed policies are named, not expanded (their text is not in the template). */
  managedPolicyArns: string[];
}

export interface SynthesizedTable {
  logicalId: string;
  name: string;
  arn: string;
  /** The template's key schema, billing mode, indexes and stream, as a DynamoDB CreateTable request. */
  createTableInput: CreateTableCommandInput;
  ttlAttribute?: string;
}

export interface SynthesizedRuleTarget {
  id: string;
  arn: string;
  /** Set when the target is a Lambda function of this stack. */
  functionName?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap: Record<string, string>; inputTemplate: string };
}

export interface SynthesizedRule {
  logicalId: string;
  name: string;
  arn: string;
  enabled: boolean;
  eventPattern: JsonObject;
  targets: SynthesizedRuleTarget[];
}

export interface SynthesizedStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  roleArn: string;
  /** The state machine's role (what it may invoke). */
  role: SynthesizedRole;
  type: string;
  /** The ASL exactly as synthesized, tokens resolved. */
  definition: JsonObject;
  timeoutSeconds?: number;
}

export interface SynthesizedWorkflow {
  cdkOutDir: string;
  stackName: string;
  region: string;
  account: string;
  partition: string;
  stateMachine: SynthesizedStateMachine;
  functions: SynthesizedFunction[];
  tables: SynthesizedTable[];
  rules: SynthesizedRule[];
  /** Functions that EventBridge would invoke when this state machine's executions are ABORTED or TIMED_OUT. */
  statusChangeTargets: string[];
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: string; cause: string }
  | { status: 'ABORTED' }
  | { status: 'TIMED_OUT' };

/** The event Step Functions puts on the default bus for every execution status change. */
export interface StatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    inputDetails: { included: boolean };
    output: string | null;
    outputDetails: { included: boolean } | null;
    error: string | null;
    cause: string | null;
    stateMachineVersionArn: string | null;
    stateMachineAliasArn: string | null;
    redriveCount: number;
    redriveDate: number | null;
    redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
    redriveStatusReason: string | null;
  };
}

export interface StatusEventDelivery {
  rule: string;
  functionName: string;
  status: ExecutionStatus;
  /** What the target function received (the event, or the target's Input / InputPath / InputTransformer). */
  input: unknown;
  outcome: { ok: true; output: unknown } | { ok: false; error: string; cause: string };
}

interface At {
  timestamp: number;
}
export type HistoryEvent =
  | (At & { type: 'ExecutionStarted'; input: unknown })
  | (At & { type: 'StateEntered'; state: string; stateType: string; input: unknown })
  | (At & { type: 'StateExited'; state: string; stateType: string; output: unknown })
  | (At & { type: 'StateFailed'; state: string; stateType: string; error: string; cause: string })
  | (At & { type: 'StateRetried'; state: string; stateType: string; attempt: number })
  | (At & { type: 'StateCaught'; state: string; stateType: string; next: string })
  | (At & {
      type: 'LambdaInvoked';
      state: string;
      functionName: string;
      requestId: string;
      payload: unknown;
    })
  | (At & {
      type: 'LambdaSucceeded';
      state: string;
      functionName: string;
      requestId: string;
      output: unknown;
      durationMs: number;
      initDurationMs?: number;
    })
  | (At & {
      type: 'LambdaFailed';
      state: string;
      functionName: string;
      requestId: string;
      error: string;
      cause: string;
      durationMs: number;
      initDurationMs?: number;
    })
  | (At & { type: 'ExecutionSucceeded'; output: unknown })
  | (At & { type: 'ExecutionFailed'; error: string; cause: string })
  | (At & { type: 'ExecutionAborted'; error?: string; cause?: string })
  | (At & { type: 'ExecutionTimedOut' })
  | (At & { type: 'RunnerError'; state?: string; error: string; message: string })
  | (At & { type: 'StatusEventDelivered'; delivery: StatusEventDelivery })
  | (At & { type: 'LibraryEvent'; name: string; detail: unknown });

export interface LocalExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly startDate: Date;
  readonly status: ExecutionStatus;
  /** Settles when the execution ends, like DescribeExecution leaving RUNNING. Never rejects. */
  readonly result: Promise<ExecutionOutcome>;
  /** Settles once every status-change event of this execution has been delivered to matching rule targets. */
  readonly statusEvents: Promise<StatusEventDelivery[]>;
  /** Like StopExecution; resolves after the ABORTED event reached the rule targets (as EventBridge would deliver it). */
  stop(opts?: { error?: string; cause?: string }): Promise<void>;
  readonly history: readonly HistoryEvent[];
  /** State transitions as Step Functions bills them: every state entered, plus every retry. */
  transitions(): number;
}

export interface LocalWorkflowOptions {
  /** Endpoint of the AWS API emulator (moto); handlers reach it through AWS_ENDPOINT_URL. */
  awsEndpoint: string;
  region?: string;
  /** Extra environment for every function (after the function's own variables). */
  env?: Record<string, string>;
  /** Wait state name -> milliseconds to wait instead of Seconds/SecondsPath/Timestamp. */
  waitTimeOverridesMs?: Record<string, number>;
  /** Retryable state name -> milliseconds between retries instead of IntervalSeconds/BackoffRate. */
  retryIntervalOverridesMs?: Record<string, number | number[]>;
  /** Receives every line a handler writes; defaults to stderr prefixed with the function name. */
  onLog?: (functionName: string, line: string) => void;
  /**
   * Runs the handlers' clocks this many times faster than real time (Date, setTimeout, setInterval
   * and the Lambda timeout), so that long bakes can be measured in a short run. Default 1. The state
   * machine itself keeps real time; only the functions' view of time changes.
   */
  clockRate?: number;
}

/** A clock that runs `rate` times faster than real time, starting from `epoch` (real ms). */
interface VirtualClock {
  readonly rate: number;
  readonly epoch: number;
}

/** An error StartExecution would return (ExecutionAlreadyExists, InvalidName, ...). */
export class StepFunctionsApiError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

// ---------------------------------------------------------------------------------------------------
// Cloud assembly loading and CloudFormation token resolution
// ---------------------------------------------------------------------------------------------------

interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  Condition?: string;
}
interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Type?: string; Default?: Json }>;
  Conditions?: Record<string, Json>;
  Mappings?: Record<string, Record<string, Record<string, Json>>>;
}
interface StackEnv {
  stackName: string;
  region: string;
  account: string;
  partition: string;
  urlSuffix: string;
}

const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

const DEFAULT_REGION = 'us-east-1';
// moto's default account, so ARNs built here match the ones moto returns.
const DEFAULT_ACCOUNT = '123456789012';

/** Resource type -> property holding an explicit physical name, and the name length CloudFormation allows. */
const NAME_PROPERTY: Record<string, { prop: string; maxLength: number; lowercase?: boolean }> = {
  'AWS::Lambda::Function': { prop: 'FunctionName', maxLength: 64 },
  'AWS::DynamoDB::Table': { prop: 'TableName', maxLength: 255 },
  'AWS::DynamoDB::GlobalTable': { prop: 'TableName', maxLength: 255 },
  'AWS::StepFunctions::StateMachine': { prop: 'StateMachineName', maxLength: 80 },
  'AWS::IAM::Role': { prop: 'RoleName', maxLength: 64 },
  'AWS::IAM::ManagedPolicy': { prop: 'ManagedPolicyName', maxLength: 128 },
  'AWS::Events::Rule': { prop: 'Name', maxLength: 64 },
  'AWS::Events::EventBus': { prop: 'Name', maxLength: 256 },
  'AWS::SQS::Queue': { prop: 'QueueName', maxLength: 80 },
  'AWS::SNS::Topic': { prop: 'TopicName', maxLength: 256 },
  'AWS::Logs::LogGroup': { prop: 'LogGroupName', maxLength: 512 },
  'AWS::S3::Bucket': { prop: 'BucketName', maxLength: 63, lowercase: true },
  'AWS::CloudWatch::Alarm': { prop: 'AlarmName', maxLength: 255 },
  'AWS::SSM::Parameter': { prop: 'Name', maxLength: 2048 },
};

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class TemplateResolver {
  private readonly names = new Map<string, string>();
  private readonly naming = new Set<string>();

  constructor(
    readonly template: CfnTemplate,
    readonly env: StackEnv,
  ) {}

  exists(logicalId: string): boolean {
    const res = this.template.Resources[logicalId];
    return res !== undefined && (res.Condition === undefined || this.condition(res.Condition, logicalId));
  }

  resource(logicalId: string, where: string): CfnResource {
    const res = this.template.Resources[logicalId];
    if (!res) throw new Error(`${where}: the template has no resource named ${logicalId}`);
    return res;
  }

  resolve(value: Json, where: string): Json {
    const out = this.resolveInner(value, where);
    return out === NO_VALUE ? null : out;
  }

  resolveString(value: Json, where: string): string {
    const out = this.resolve(value, where);
    if (typeof out === 'string') return out;
    if (typeof out === 'number' || typeof out === 'boolean') return String(out);
    throw new Error(`${where}: expected a string, got ${JSON.stringify(out)}`);
  }

  physicalName(logicalId: string): string {
    const cached = this.names.get(logicalId);
    if (cached !== undefined) return cached;
    if (this.naming.has(logicalId)) throw new Error(`${logicalId}: its name refers to itself`);
    this.naming.add(logicalId);
    try {
      const res = this.resource(logicalId, 'name');
      const spec = NAME_PROPERTY[res.Type];
      const explicit = spec ? res.Properties?.[spec.prop] : undefined;
      const name =
        explicit !== undefined
          ? this.resolveString(explicit, `${logicalId}.${spec?.prop}`)
          : generatedName(this.env.stackName, logicalId, spec?.maxLength ?? 128, spec?.lowercase ?? false);
      this.names.set(logicalId, name);
      return name;
    } finally {
      this.naming.delete(logicalId);
    }
  }

  arn(logicalId: string): string {
    const res = this.resource(logicalId, 'Arn');
    const name = this.physicalName(logicalId);
    const { partition: p, region: r, account: a } = this.env;
    switch (res.Type) {
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${p}:iam::${a}:policy/${name}`;
      case 'AWS::Events::Rule': {
        const bus = res.Properties?.EventBusName;
        const busName = bus === undefined ? 'default' : this.resolveString(bus, `${logicalId}.EventBusName`);
        return busName === 'default'
          ? `arn:${p}:events:${r}:${a}:rule/${name}`
          : `arn:${p}:events:${r}:${a}:rule/${busName}/${name}`;
      }
      case 'AWS::Events::EventBus':
        return `arn:${p}:events:${r}:${a}:event-bus/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:${p}:sqs:${r}:${a}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`;
      case 'AWS::SSM::Parameter':
        return `arn:${p}:ssm:${r}:${a}:parameter/${name.replace(/^\//, '')}`;
      default:
        throw new Error(`cannot build an ARN for ${logicalId} (${res.Type}) offline`);
    }
  }

  ref(name: string, where: string): Resolved {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::Partition':
        return this.env.partition;
      case 'AWS::URLSuffix':
        return this.env.urlSuffix;
      case 'AWS::StackName':
        return this.env.stackName;
      case 'AWS::StackId':
        return `arn:${this.env.partition}:cloudformation:${this.env.region}:${this.env.account}:stack/${this.env.stackName}/${deterministicUuid(this.env.stackName)}`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new Error(`${where}: parameter ${name} has no default`);
      return this.resolveInner(param.Default, `${where} -> Parameters.${name}`);
    }
    const res = this.resource(name, where);
    switch (res.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::IAM::ManagedPolicy':
        return this.arn(name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.env.region}.${this.env.urlSuffix}/${this.env.account}/${this.physicalName(name)}`;
      case 'AWS::Lambda::Version':
        return `${this.resolveString(res.Properties?.FunctionName ?? null, `${name}.FunctionName`)}:1`;
      case 'AWS::Lambda::Alias':
        return `${this.resolveString(res.Properties?.FunctionName ?? null, `${name}.FunctionName`)}:${this.resolveString(res.Properties?.Name ?? null, `${name}.Name`)}`;
      default:
        return this.physicalName(name);
    }
  }

  getAtt(logicalId: string, attr: string, where: string): Json {
    const res = this.resource(logicalId, where);
    const type = res.Type;
    if (attr === 'Arn') return this.arn(logicalId);
    const name = () => this.physicalName(logicalId);
    switch (`${type}.${attr}`) {
      case 'AWS::DynamoDB::Table.StreamArn':
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
        return `${this.arn(logicalId)}/stream/1970-01-01T00:00:00.000`;
      case 'AWS::StepFunctions::StateMachine.Name':
      case 'AWS::SQS::Queue.QueueName':
      case 'AWS::SNS::Topic.TopicName':
        return name();
      case 'AWS::SNS::Topic.TopicArn':
        return this.arn(logicalId);
      case 'AWS::SQS::Queue.QueueUrl':
        return `https://sqs.${this.env.region}.${this.env.urlSuffix}/${this.env.account}/${name()}`;
      case 'AWS::IAM::Role.RoleId':
        return `AROA${createHash('sha256').update(this.arn(logicalId)).digest('hex').slice(0, 17).toUpperCase()}`;
      case 'AWS::S3::Bucket.DomainName':
        return `${name()}.s3.${this.env.urlSuffix}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name()}.s3.${this.env.region}.${this.env.urlSuffix}`;
      case 'AWS::StepFunctions::StateMachine.StateMachineRevisionId':
        return deterministicUuid(this.arn(logicalId));
    }
    throw new Error(`${where}: cannot resolve Fn::GetAtt ${logicalId}.${attr} (${type}) offline`);
  }

  condition(name: string, where: string): boolean {
    const expr = this.template.Conditions?.[name];
    if (expr === undefined) throw new Error(`${where}: the template has no condition named ${name}`);
    return this.evaluateCondition(expr, `${where} -> Conditions.${name}`);
  }

  private evaluateCondition(expr: Json, where: string): boolean {
    if (typeof expr === 'boolean') return expr;
    if (isObject(expr)) {
      const [key] = Object.keys(expr);
      const arg = expr[key];
      if (key === 'Condition' && typeof arg === 'string') return this.condition(arg, where);
      if (key === 'Fn::Equals' && Array.isArray(arg) && arg.length === 2) {
        return JSON.stringify(this.resolve(arg[0], where)) === JSON.stringify(this.resolve(arg[1], where));
      }
      if (key === 'Fn::Not' && Array.isArray(arg) && arg.length === 1) {
        return !this.evaluateCondition(arg[0], where);
      }
      if (key === 'Fn::And' && Array.isArray(arg)) return arg.every((c) => this.evaluateCondition(c, where));
      if (key === 'Fn::Or' && Array.isArray(arg)) return arg.some((c) => this.evaluateCondition(c, where));
    }
    throw new Error(`${where}: unsupported condition ${JSON.stringify(expr)}`);
  }

  private resolveInner(value: Json, where: string): Resolved {
    if (Array.isArray(value)) {
      const items: Json[] = [];
      for (const [i, item] of value.entries()) {
        const r = this.resolveInner(item, `${where}[${i}]`);
        if (r !== NO_VALUE) items.push(r);
      }
      return items;
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], value[keys[0]], where);
    }
    const out: JsonObject = {};
    for (const key of keys) {
      const r = this.resolveInner(value[key], `${where}.${key}`);
      if (r !== NO_VALUE) out[key] = r;
    }
    return out;
  }

  private list(value: Json, where: string): Json[] {
    const r = this.resolve(value, where);
    if (!Array.isArray(r)) throw new Error(`${where}: expected a list, got ${JSON.stringify(r)}`);
    return r;
  }

  private intrinsic(fn: string, arg: Json, where: string): Resolved {
    const at = `${where} (${fn})`;
    switch (fn) {
      case 'Ref':
        if (typeof arg !== 'string') throw new Error(`${at}: Ref needs a name`);
        return this.ref(arg, at);
      case 'Fn::GetAtt': {
        const [id, ...attr] = typeof arg === 'string' ? arg.split('.') : Array.isArray(arg) ? arg : [];
        if (typeof id !== 'string' || attr.length === 0) throw new Error(`${at}: malformed`);
        return this.getAtt(id, attr.map(String).join('.'), at);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
          throw new Error(`${at}: malformed`);
        }
        const parts = this.list(arg[1], at);
        return parts.map((p, i) => this.resolveString(p, `${at}[${i}]`)).join(arg[0]);
      }
      case 'Fn::Sub': {
        const template: Json = typeof arg === 'string' ? arg : Array.isArray(arg) ? arg[0] : null;
        const vars: Json = Array.isArray(arg) ? (arg[1] ?? {}) : {};
        if (typeof template !== 'string' || !isObject(vars)) throw new Error(`${at}: malformed`);
        return template.replace(/\$\{([^}]*)\}/g, (_match, expr: string) => {
          if (expr.startsWith('!')) return `\${${expr.slice(1)}}`;
          const name = expr.trim();
          if (name in vars) return this.resolveString(vars[name], `${at} \${${name}}`);
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) {
            return this.resolveString(this.getAtt(name.slice(0, dot), name.slice(dot + 1), at), at);
          }
          const r = this.ref(name, at);
          if (r === NO_VALUE) return '';
          return this.resolveString(r, `${at} \${${name}}`);
        });
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) throw new Error(`${at}: malformed`);
        const index = Number(this.resolve(arg[0], at));
        const items = this.list(arg[1], at);
        if (!Number.isInteger(index) || index < 0 || index >= items.length) {
          throw new Error(`${at}: index ${index} out of range`);
        }
        return items[index];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
          throw new Error(`${at}: malformed`);
        }
        return this.resolveString(arg[1], at).split(arg[0]);
      }
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') {
          throw new Error(`${at}: malformed`);
        }
        return this.resolveInner(this.condition(arg[0], at) ? arg[1] : arg[2], at);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.env.region}${z}`);
      case 'Fn::Base64':
        return Buffer.from(this.resolveString(arg, at)).toString('base64');
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) throw new Error(`${at}: malformed`);
        const [m, k1, k2] = arg.slice(0, 3).map((a, i) => this.resolveString(a, `${at}[${i}]`));
        const found = this.template.Mappings?.[m]?.[k1]?.[k2];
        if (found === undefined) throw new Error(`${at}: no mapping ${m}.${k1}.${k2}`);
        return found;
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(arg, at));
      case 'Fn::Length':
        return this.list(arg, at).length;
      default:
        throw new Error(`${at}: ${fn} cannot be resolved offline`);
    }
  }
}

/** CloudFormation's `<stack>-<logicalId>-<random>` naming, with a hash instead of the random part. */
function generatedName(stackName: string, logicalId: string, maxLength: number, lowercase: boolean): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12);
  let stackPart = stackName;
  let idPart = logicalId;
  const budget = maxLength - suffix.length - 2;
  while (stackPart.length + idPart.length > budget) {
    if (stackPart.length >= idPart.length) stackPart = stackPart.slice(0, -1);
    else idPart = idPart.slice(0, -1);
  }
  const name = `${stackPart}-${idPart}-${lowercase ? suffix : suffix.toUpperCase()}`;
  return lowercase ? name.toLowerCase() : name;
}

function deterministicUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface StackArtifact {
  dir: string;
  templateFile: string;
  assetsFile?: string;
  region?: string;
  account?: string;
}

/** Finds the stack in manifest.json, descending into nested assemblies (Stages). */
function findStackArtifact(dir: string, stackName: string): StackArtifact | undefined {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<
      string,
      {
        type: string;
        environment?: string;
        displayName?: string;
        properties?: { templateFile?: string; stackName?: string; directoryName?: string };
        dependencies?: string[];
      }
    >;
  };
  const artifacts = manifest.artifacts ?? {};
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const name = artifact.properties?.stackName ?? id;
    if (name !== stackName && id !== stackName && artifact.displayName !== stackName) continue;
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    const assets = (artifact.dependencies ?? [])
      .map((dep) => artifacts[dep])
      .find((a) => a?.type === 'cdk:asset-manifest');
    const assetsFile = (assets?.properties as { file?: string } | undefined)?.file;
    return {
      dir,
      templateFile: join(dir, artifact.properties?.templateFile ?? `${id}.template.json`),
      assetsFile: assetsFile ? join(dir, assetsFile) : undefined,
      account: env && !env[1].startsWith('unknown-') ? env[1] : undefined,
      region: env && !env[2].startsWith('unknown-') ? env[2] : undefined,
    };
  }
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      const found = findStackArtifact(join(dir, artifact.properties.directoryName), stackName);
      if (found) return found;
    }
  }
  return undefined;
}

const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/**
 * Reads `<stackName>` from a synthesized cloud assembly and resolves everything the offline runner
 * needs into concrete strings: the state machine's ASL, every Lambda function (asset dir, handler,
 * environment, timeout), the DynamoDB tables and the EventBridge rules.
 */
export function loadWorkflow(
  cdkOutDir: string,
  stackName: string,
  opts: { region?: string; account?: string } = {},
): SynthesizedWorkflow {
  const artifact = findStackArtifact(cdkOutDir, stackName) ?? {
    dir: cdkOutDir,
    templateFile: join(cdkOutDir, `${stackName}.template.json`),
    assetsFile: join(cdkOutDir, `${stackName}.assets.json`),
  };
  if (!existsSync(artifact.templateFile)) {
    throw new Error(`stack ${stackName} not found in ${cdkOutDir} (looked for ${artifact.templateFile})`);
  }
  const template = JSON.parse(readFileSync(artifact.templateFile, 'utf8')) as CfnTemplate;
  const region = opts.region ?? artifact.region ?? DEFAULT_REGION;
  const account = opts.account ?? artifact.account ?? DEFAULT_ACCOUNT;
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const urlSuffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const resolver = new TemplateResolver(template, { stackName, region, account, partition, urlSuffix });

  const byType = (type: string) =>
    Object.entries(template.Resources).filter(([id, r]) => r.Type === type && resolver.exists(id));

  const machines = byType('AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) {
    throw new Error(
      `stack ${stackName} must hold exactly one AWS::StepFunctions::StateMachine, found ${machines.length}`,
    );
  }
  const [smId, sm] = machines[0];
  const stateMachine = loadStateMachine(resolver, smId, sm);

  const assetPaths = readAssetPaths(artifact.assetsFile);
  const functions = byType('AWS::Lambda::Function').map(([id, r]) =>
    loadFunction(resolver, id, r, artifact.dir, assetPaths, (role) => loadRole(resolver, role)),
  );
  const tables = [...byType('AWS::DynamoDB::Table'), ...byType('AWS::DynamoDB::GlobalTable')].map(([id, r]) =>
    loadTable(resolver, id, r),
  );
  const functionsByArn = new Map(functions.map((f) => [f.arn, f.name]));
  const rules = byType('AWS::Events::Rule')
    .filter(([, r]) => r.Properties?.EventPattern !== undefined)
    .map(([id, r]) => loadRule(resolver, id, r, functionsByArn));

  const statusChangeTargets = new Set<string>();
  for (const status of ['ABORTED', 'TIMED_OUT'] as const) {
    const probe = { source: 'aws.states', 'detail-type': STATUS_CHANGE_DETAIL_TYPE, detail: { status } };
    const event = { ...probe, detail: { ...probe.detail, stateMachineArn: stateMachine.arn } };
    for (const rule of rules) {
      if (!rule.enabled || !matchesEventPattern(rule.eventPattern, event)) continue;
      for (const t of rule.targets) if (t.functionName) statusChangeTargets.add(t.functionName);
    }
  }

  return {
    cdkOutDir,
    stackName,
    region,
    account,
    partition,
    stateMachine,
    functions,
    tables,
    rules,
    statusChangeTargets: [...statusChangeTargets],
  };
}

function loadStateMachine(resolver: TemplateResolver, id: string, res: CfnResource): SynthesizedStateMachine {
  const props = res.Properties ?? {};
  let definition: Json;
  if (props.DefinitionString !== undefined) {
    let text = resolver.resolveString(props.DefinitionString, `${id}.DefinitionString`);
    const subs = props.DefinitionSubstitutions;
    if (isObject(subs)) {
      for (const [key, value] of Object.entries(subs)) {
        text = text
          .split(`\${${key}}`)
          .join(resolver.resolveString(value, `${id}.DefinitionSubstitutions.${key}`));
      }
    }
    definition = JSON.parse(text) as Json;
  } else if (props.Definition !== undefined) {
    definition = resolver.resolve(props.Definition, `${id}.Definition`);
  } else {
    throw new Error(
      `${id}: only DefinitionString / Definition can be run offline (not DefinitionS3Location)`,
    );
  }
  if (!isObject(definition) || typeof definition.StartAt !== 'string' || !isObject(definition.States)) {
    throw new Error(`${id}: the definition has no StartAt/States`);
  }
  if (definition.QueryLanguage === 'JSONata') {
    throw new Error(
      `${id}: JSONata state machines cannot run offline (aws-local-stepfunctions is JSONPath only)`,
    );
  }
  const timeout = definition.TimeoutSeconds;
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    roleArn: props.RoleArn === undefined ? '' : resolver.resolveString(props.RoleArn, `${id}.RoleArn`),
    role: loadRole(resolver, props.RoleArn ?? null),
    type:
      props.StateMachineType === undefined
        ? 'STANDARD'
        : resolver.resolveString(props.StateMachineType, `${id}.StateMachineType`),
    definition,
    timeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
  };
}

/** objectKey (`<hash>.zip`) -> asset directory, from `<stack>.assets.json`. */
function readAssetPaths(assetsFile: string | undefined): Map<string, string> {
  const paths = new Map<string, string>();
  if (!assetsFile || !existsSync(assetsFile)) return paths;
  const manifest = JSON.parse(readFileSync(assetsFile, 'utf8')) as {
    files?: Record<
      string,
      { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }
    >;
  };
  for (const file of Object.values(manifest.files ?? {})) {
    if (!file.source?.path) continue;
    for (const dest of Object.values(file.destinations ?? {})) {
      if (dest.objectKey) paths.set(dest.objectKey, file.source.path);
    }
  }
  return paths;
}

function loadFunction(
  resolver: TemplateResolver,
  id: string,
  res: CfnResource,
  assemblyDir: string,
  assetPaths: Map<string, string>,
  roleOf: (role: Json) => SynthesizedRole,
): SynthesizedFunction {
  const props = res.Properties ?? {};
  const environment: Record<string, string> = {};
  const vars = isObject(props.Environment) ? props.Environment.Variables : undefined;
  if (isObject(vars)) {
    for (const [key, value] of Object.entries(vars)) {
      environment[key] = resolver.resolveString(value, `${id}.Environment.Variables.${key}`);
    }
  }
  // `aws:asset:path` is only written when asset metadata is enabled (the CDK CLI does so, a bare
  // `app.synth()` does not), so the assets manifest, keyed by the S3 object key, is the fallback.
  let assetPath: string | undefined;
  const meta = res.Metadata ?? {};
  if (typeof meta['aws:asset:path'] === 'string' && meta['aws:asset:property'] === 'Code') {
    assetPath = meta['aws:asset:path'];
  } else if (isObject(props.Code) && props.Code.S3Key !== undefined) {
    assetPath = assetPaths.get(resolver.resolveString(props.Code.S3Key, `${id}.Code.S3Key`));
  }
  const assetDir =
    assetPath === undefined ? undefined : isAbsolute(assetPath) ? assetPath : join(assemblyDir, assetPath);
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    handler: props.Handler === undefined ? '' : resolver.resolveString(props.Handler, `${id}.Handler`),
    runtime: props.Runtime === undefined ? '' : resolver.resolveString(props.Runtime, `${id}.Runtime`),
    timeoutSeconds:
      props.Timeout === undefined ? 3 : Number(resolver.resolve(props.Timeout, `${id}.Timeout`)),
    memoryMb:
      props.MemorySize === undefined ? 128 : Number(resolver.resolve(props.MemorySize, `${id}.MemorySize`)),
    environment,
    assetDir: assetDir && existsSync(assetDir) && statSync(assetDir).isDirectory() ? assetDir : undefined,
    role: roleOf(props.Role ?? null),
  };
}

/**
 * The statements that apply to a role: the role's inline policies and every AWS::IAM::Policy of the
 * template that names the role. `role` is the function's `Role` property (usually a GetAtt).
 */
function loadRole(resolver: TemplateResolver, role: Json): SynthesizedRole {
  const logicalId =
    isObject(role) && Array.isArray(role['Fn::GetAtt']) ? String(role['Fn::GetAtt'][0]) : undefined;
  const arn = role === null ? '' : resolver.resolveString(role, 'Role');
  const statements: PolicyStatement[] = [];
  const managedPolicyArns: string[] = [];
  const addDocument = (doc: Json, where: string) => {
    const resolved = resolver.resolve(doc, where);
    const list = isObject(resolved) ? resolved.Statement : undefined;
    for (const st of Array.isArray(list) ? list : isObject(list) ? [list] : []) {
      if (!isObject(st)) continue;
      const strings = (v: Json | undefined) =>
        (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(String);
      statements.push({
        Effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
        Action: strings(st.Action),
        Resource: strings(st.Resource),
        ...(isObject(st.Condition) ? { Condition: st.Condition as PolicyStatement['Condition'] } : {}),
      });
    }
  };
  const roleResource = logicalId ? resolver.template.Resources[logicalId] : undefined;
  if (logicalId && roleResource?.Type === 'AWS::IAM::Role') {
    const props = roleResource.Properties ?? {};
    const inline = Array.isArray(props.Policies) ? props.Policies : [];
    inline.forEach((p, i) => {
      if (isObject(p)) addDocument(p.PolicyDocument ?? null, `${logicalId}.Policies.${i}`);
    });
    const managed = Array.isArray(props.ManagedPolicyArns) ? props.ManagedPolicyArns : [];
    managed.forEach((m, i) => {
      managedPolicyArns.push(resolver.resolveString(m, `${logicalId}.ManagedPolicyArns.${i}`));
    });
    for (const [id, res] of Object.entries(resolver.template.Resources)) {
      if (res.Type !== 'AWS::IAM::Policy' || !resolver.exists(id)) continue;
      const roles = res.Properties?.Roles;
      const names = Array.isArray(roles) ? roles : [];
      if (names.some((r) => isObject(r) && r.Ref === logicalId))
        addDocument(res.Properties?.PolicyDocument ?? null, `${id}.PolicyDocument`);
    }
  }
  return { arn, statements, managedPolicyArns };
}

function loadTable(resolver: TemplateResolver, id: string, res: CfnResource): SynthesizedTable {
  const props = resolver.resolve(res.Properties ?? {}, id);
  if (!isObject(props)) throw new Error(`${id}: malformed properties`);
  const name = resolver.physicalName(id);
  const keySchema = (props.KeySchema ?? []) as unknown as KeySchemaElement[];
  const attributeDefinitions = (props.AttributeDefinitions ?? []) as unknown as AttributeDefinition[];
  const billingMode = props.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const throughput = (value: Json | undefined): ProvisionedThroughput | undefined => {
    if (billingMode !== 'PROVISIONED') return undefined;
    if (isObject(value)) {
      return {
        ReadCapacityUnits: Number(value.ReadCapacityUnits ?? 5),
        WriteCapacityUnits: Number(value.WriteCapacityUnits ?? 5),
      };
    }
    return { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  };
  const indexes = (value: Json | undefined): JsonObject[] =>
    Array.isArray(value) ? value.filter(isObject) : [];
  const gsis: GlobalSecondaryIndex[] = indexes(props.GlobalSecondaryIndexes).map((i) => ({
    IndexName: String(i.IndexName),
    KeySchema: i.KeySchema as unknown as KeySchemaElement[],
    Projection: i.Projection as unknown as Projection,
    ProvisionedThroughput: throughput(i.ProvisionedThroughput),
  }));
  const lsis: LocalSecondaryIndex[] = indexes(props.LocalSecondaryIndexes).map((i) => ({
    IndexName: String(i.IndexName),
    KeySchema: i.KeySchema as unknown as KeySchemaElement[],
    Projection: i.Projection as unknown as Projection,
  }));
  const stream = isObject(props.StreamSpecification) ? props.StreamSpecification.StreamViewType : undefined;
  const ttl = isObject(props.TimeToLiveSpecification) ? props.TimeToLiveSpecification : undefined;
  return {
    logicalId: id,
    name,
    arn: resolver.arn(id),
    createTableInput: {
      TableName: name,
      KeySchema: keySchema,
      AttributeDefinitions: attributeDefinitions,
      BillingMode: billingMode,
      ProvisionedThroughput: throughput(props.ProvisionedThroughput),
      GlobalSecondaryIndexes: gsis.length > 0 ? gsis : undefined,
      LocalSecondaryIndexes: lsis.length > 0 ? lsis : undefined,
      StreamSpecification:
        typeof stream === 'string'
          ? {
              StreamEnabled: true,
              StreamViewType: stream as 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY',
            }
          : undefined,
    },
    ttlAttribute:
      ttl && ttl.Enabled !== false && typeof ttl.AttributeName === 'string' ? ttl.AttributeName : undefined,
  };
}

function loadRule(
  resolver: TemplateResolver,
  id: string,
  res: CfnResource,
  functionsByArn: Map<string, string>,
): SynthesizedRule {
  const props = resolver.resolve(res.Properties ?? {}, id);
  if (!isObject(props) || !isObject(props.EventPattern)) throw new Error(`${id}: malformed rule`);
  const targets = (Array.isArray(props.Targets) ? props.Targets.filter(isObject) : []).map((t) => {
    const arn = String(t.Arn);
    const transformer = isObject(t.InputTransformer) ? t.InputTransformer : undefined;
    return {
      id: String(t.Id),
      arn,
      functionName: functionsByArn.get(arn.split(':').slice(0, 7).join(':')),
      input: typeof t.Input === 'string' ? t.Input : undefined,
      inputPath: typeof t.InputPath === 'string' ? t.InputPath : undefined,
      inputTransformer: transformer
        ? {
            inputPathsMap: Object.fromEntries(
              Object.entries(isObject(transformer.InputPathsMap) ? transformer.InputPathsMap : {}).map(
                ([k, v]) => [k, String(v)],
              ),
            ),
            inputTemplate: String(transformer.InputTemplate),
          }
        : undefined,
    };
  });
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    enabled: props.State === undefined || props.State === 'ENABLED',
    eventPattern: props.EventPattern,
    targets,
  };
}

// ---------------------------------------------------------------------------------------------------
// EventBridge: pattern matching and target input
// ---------------------------------------------------------------------------------------------------

type EventValue = Json | undefined;

function matchesEventPattern(pattern: JsonObject, event: unknown): boolean {
  const ev = (typeof event === 'object' && event !== null ? event : {}) as Record<string, EventValue>;
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((p) => isObject(p) && matchesEventPattern(p, ev))) return false;
      continue;
    }
    const value = ev[key];
    if (isObject(rule)) {
      if (!isObject(value) || !matchesEventPattern(rule, value)) return false;
      continue;
    }
    if (!Array.isArray(rule)) throw new Error(`event pattern: ${key} must be an array or an object`);
    if (!rule.some((r) => matchesValue(r, value))) return false;
  }
  return true;
}

function matchesValue(rule: Json, value: EventValue): boolean {
  const values: EventValue[] = Array.isArray(value) ? value : [value];
  if (!isObject(rule)) return value !== undefined && values.some((v) => v === rule);
  const [op] = Object.keys(rule);
  const arg = rule[op];
  switch (op) {
    case 'exists':
      return arg === (value !== undefined);
    case 'prefix':
      return values.some((v) => typeof v === 'string' && typeof arg === 'string' && v.startsWith(arg));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && typeof arg === 'string' && v.endsWith(arg));
    case 'equals-ignore-case':
      return values.some(
        (v) => typeof v === 'string' && typeof arg === 'string' && v.toLowerCase() === arg.toLowerCase(),
      );
    case 'wildcard': {
      if (typeof arg !== 'string') return false;
      const re = new RegExp(`^${arg.split('*').map(escapeRegExp).join('.*')}$`);
      return values.some((v) => typeof v === 'string' && re.test(v));
    }
    case 'anything-but': {
      if (value === undefined) return false;
      const excluded = Array.isArray(arg) ? arg : [arg];
      return values.every((v) => !excluded.some((x) => (isObject(x) ? matchesValue(x, v) : x === v)));
    }
    case 'numeric': {
      if (!Array.isArray(arg)) return false;
      return values.some((v) => {
        if (typeof v !== 'number') return false;
        for (let i = 0; i + 1 < arg.length; i += 2) {
          if (!compareNumber(v, String(arg[i]), Number(arg[i + 1]))) return false;
        }
        return true;
      });
    }
    default:
      throw new Error(`event pattern: the ${op} matcher is not supported offline`);
  }
}

function compareNumber(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      throw new Error(`event pattern: numeric operator ${op} is not supported`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The value at a simple EventBridge JSONPath (`$`, `$.detail.status`). */
function eventPath(event: unknown, path: string): unknown {
  if (path === '$') return event;
  let current: unknown = event;
  for (const key of path.replace(/^\$\.?/, '').split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function targetInput(
  target: SynthesizedRuleTarget,
  rule: SynthesizedRule,
  event: StatusChangeEvent,
): unknown {
  if (target.input !== undefined) return JSON.parse(target.input);
  if (target.inputPath !== undefined) return eventPath(event, target.inputPath);
  if (target.inputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.rule-arn': rule.arn,
      'aws.events.rule-name': rule.name,
      'aws.events.event.ingestion-time': event.time,
      'aws.events.event': event,
      'aws.events.event.json': event,
    };
    for (const [key, path] of Object.entries(target.inputTransformer.inputPathsMap)) {
      values[key] = eventPath(event, path);
    }
    const text = target.inputTransformer.inputTemplate.replace(
      /<([A-Za-z0-9_.-]+)>/g,
      (match, key: string) => {
        if (!(key in values)) return match;
        const v = values[key];
        if (typeof v === 'string') return JSON.stringify(v).slice(1, -1);
        return v === undefined ? 'null' : JSON.stringify(v);
      },
    );
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return event;
}

// ---------------------------------------------------------------------------------------------------
// Lambda sandboxes (one worker thread = one warm execution environment)
// ---------------------------------------------------------------------------------------------------

interface LambdaErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

type InvokeResult =
  | { ok: true; payload: string; durationMs: number; initDurationMs?: number }
  | { ok: false; error: LambdaErrorPayload; durationMs: number; initDurationMs?: number };

// The code each worker runs: the part of the Lambda Node.js runtime a handler can observe (module
// loading, the context object, console format, callback/async handlers, error serialization).
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { format } = require('node:util');

let current = null;
function write(level, args) {
  const id = current ? current.requestId : 'undefined';
  process.stdout.write(new Date().toISOString() + '\\t' + id + '\\t' + level + '\\t' + format.apply(null, args) + '\\n');
}
console.log = (...a) => write('INFO', a);
console.info = (...a) => write('INFO', a);
console.warn = (...a) => write('WARN', a);
console.error = (...a) => write('ERROR', a);
console.debug = (...a) => write('DEBUG', a);
console.trace = (...a) => write('TRACE', a);

const clock = workerData.clock;
const toVirtual = (realMs) => (clock ? clock.epoch + (realMs - clock.epoch) * clock.rate : realMs);
if (clock) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class VirtualDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(toVirtual(realNow()));
      else super(...args);
    }
    static now() {
      return toVirtual(realNow());
    }
  }
  globalThis.Date = VirtualDate;
  for (const name of ['setTimeout', 'setInterval']) {
    const real = globalThis[name];
    globalThis[name] = (fn, ms, ...rest) => real(fn, Math.max(0, Number(ms) || 0) / clock.rate, ...rest);
  }
}

if (workerData.hideNodeVersionWarning) {
  const emit = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const text = typeof warning === 'string' ? warning : (warning && warning.message) || '';
    if (String(text).startsWith('NodeVersionSupportWarning')) return;
    return emit.call(process, warning, ...rest);
  };
}

function toErrorPayload(err) {
  try {
    if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
      return {
        errorType: String(err.name),
        errorMessage: String(err.message),
        trace: typeof err.stack === 'string' ? err.stack.split('\\n') : [],
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}
function named(type, message) {
  const e = new Error(message);
  e.name = type;
  return e;
}

async function loadHandler() {
  const spec = workerData.handler;
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0) throw named('Runtime.MalformedHandlerName', 'Bad handler ' + spec);
  const moduleName = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split('.');
  const base = path.resolve(workerData.taskRoot, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    throw named('Runtime.ImportModuleError', "Error: Cannot find module '" + moduleName + "'\\nRequire stack:\\n- /var/runtime/index.mjs");
  }
  let mod;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if (!e || e.code !== 'ERR_REQUIRE_ESM') throw e;
        mod = await import(pathToFileURL(file).href);
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw named('Runtime.UserCodeSyntaxError', String(e));
    throw e;
  }
  let handler = mod;
  for (const key of exportPath) handler = handler == null ? undefined : handler[key];
  if (typeof handler !== 'function') {
    throw named('Runtime.HandlerNotFound', moduleName + '.' + exportPath.join('.') + ' is undefined or not exported');
  }
  return handler;
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (err) => callback(err === undefined || err === null ? 'handled' : err);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (e) {
      callback(e);
      return;
    }
    if (returned && typeof returned.then === 'function') returned.then((r) => callback(null, r), (e) => callback(e));
    else if (handler.length < 3) callback(null, returned);
  });
}

process.on('unhandledRejection', (reason) => {
  const p = toErrorPayload(reason);
  const message = reason instanceof Error ? reason.name + ': ' + reason.message : String(reason);
  parentPort.postMessage({ type: 'fatal', error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: message, trace: p.trace } });
  process.exit(128);
});
process.on('uncaughtException', (err) => {
  parentPort.postMessage({ type: 'fatal', error: toErrorPayload(err) });
  process.exit(129);
});

let handler;
const initStart = Date.now();
loadHandler().then(
  (h) => {
    handler = h;
    parentPort.postMessage({ type: 'ready', moduleInitMs: Date.now() - initStart });
  },
  (e) => parentPort.postMessage({ type: 'initError', error: toErrorPayload(e) }),
);

parentPort.on('message', (msg) => {
  if (!msg || msg.type !== 'invoke') return;
  current = { requestId: msg.context.awsRequestId };
  const deadline = toVirtual(msg.deadline);
  const context = Object.assign({}, msg.context, {
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  });
  const respond = (m) => {
    current = null;
    parentPort.postMessage(m);
  };
  runHandler(handler, JSON.parse(msg.event), context).then(
    (result) => {
      let payload;
      try {
        payload = JSON.stringify(result === undefined ? null : result);
      } catch (e) {
        respond({ type: 'error', id: msg.id, error: toErrorPayload(e) });
        return;
      }
      respond({ type: 'result', id: msg.id, payload: payload === undefined ? 'null' : payload });
    },
    (err) => respond({ type: 'error', id: msg.id, error: toErrorPayload(err) }),
  );
});
`;

type WorkerMessage =
  | { type: 'ready'; moduleInitMs: number }
  | { type: 'initError'; error: LambdaErrorPayload }
  | { type: 'result'; id: string; payload: string }
  | { type: 'error'; id: string; error: LambdaErrorPayload }
  | { type: 'fatal'; error: LambdaErrorPayload };

/** initMs: from creating the worker to the handler being loaded (thread start-up + module init). */
type InitResult = { ok: true; initMs: number } | { ok: false; error: LambdaErrorPayload };

// Lambda gives the Init phase 10 s of its own, independent of the function timeout.
const INIT_TIMEOUT_MS = 10_000;
const nodeMajor = Number(process.versions.node.split('.')[0]);

class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<InitResult>;
  readonly logStreamName: string;
  readonly createdAt = performance.now();
  busy = false;
  dead = false;
  lastUsed = 0;
  private inflight?: {
    id: string;
    finish: (r: { ok: true; payload: string } | { ok: false; error: LambdaErrorPayload }) => void;
  };
  private fatal?: LambdaErrorPayload;

  constructor(
    readonly fn: SynthesizedFunction,
    env: Record<string, string>,
    onLog: (line: string) => void,
    private readonly clock?: VirtualClock,
  ) {
    if (!fn.assetDir) throw new Error(`function ${fn.name} has no code directory in cdk.out`);
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    this.logStreamName = `${day}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      name: fn.name,
      env: { ...env, AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName },
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(fn.memoryMb, 64) },
      workerData: {
        handler: fn.handler,
        taskRoot: fn.assetDir,
        // The function runs on nodejs22.x in AWS, where the SDK has nothing to warn about.
        hideNodeVersionWarning: nodeMajor < 22 && /^nodejs(2[2-9]|[3-9]\d)/.test(fn.runtime),
        clock,
      },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLog(line);
      });
      stream.on('end', () => {
        if (buffered) onLog(buffered);
      });
    }
    this.ready = new Promise<InitResult>((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `INIT_REPORT Init Duration: ${INIT_TIMEOUT_MS}.00 ms Phase: init Status: timeout`,
          },
        });
      }, INIT_TIMEOUT_MS);
      const settle = (r: InitResult) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') settle({ ok: true, initMs: performance.now() - this.createdAt });
        else if (msg.type === 'initError') settle({ ok: false, error: msg.error });
        else if (msg.type === 'fatal') this.fatal = msg.error;
        else if ((msg.type === 'result' || msg.type === 'error') && this.inflight?.id === msg.id) {
          this.inflight.finish(
            msg.type === 'result' ? { ok: true, payload: msg.payload } : { ok: false, error: msg.error },
          );
        }
      });
      this.worker.on('error', (err: Error & { code?: string }) => {
        this.fatal =
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' }
            : { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
      });
      this.worker.on('exit', (code) => {
        this.dead = true;
        const requestId = this.inflight?.id;
        const error = this.fatal ?? {
          errorType: 'Runtime.ExitError',
          errorMessage: `${requestId ? `RequestId: ${requestId} ` : ''}Error: Runtime exited with error: exit status ${code}`,
        };
        settle({ ok: false, error });
        this.inflight?.finish({ ok: false, error });
      });
    });
  }

  invoke(
    requestId: string,
    eventJson: string,
    context: Record<string, string>,
  ): Promise<{ ok: true; payload: string } | { ok: false; error: LambdaErrorPayload }> {
    const timeoutMs = (this.fn.timeoutSeconds * 1000) / (this.clock?.rate ?? 1);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Lambda tears the execution environment down after a timeout; the next invoke is a cold start.
        this.kill();
        finish({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
      }, timeoutMs);
      const finish = (r: { ok: true; payload: string } | { ok: false; error: LambdaErrorPayload }) => {
        if (this.inflight?.id !== requestId) return;
        clearTimeout(timer);
        this.inflight = undefined;
        resolve(r);
      };
      this.inflight = { id: requestId, finish };
      this.worker.ref();
      this.worker.postMessage({
        type: 'invoke',
        id: requestId,
        event: eventJson,
        context,
        deadline: Date.now() + timeoutMs,
      });
    });
  }

  idle(): void {
    // An idle warm sandbox must not keep a script that forgot close() alive.
    if (!this.dead) this.worker.unref();
  }

  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

class FunctionPool {
  private readonly sandboxes: Sandbox[] = [];
  private useCounter = 0;

  constructor(
    readonly fn: SynthesizedFunction,
    private readonly env: Record<string, string>,
    private readonly onLog: (functionName: string, line: string) => void,
    private readonly clock?: VirtualClock,
  ) {}

  async invoke(eventJson: string, requestId: string, invokedArn: string): Promise<InvokeResult> {
    if (!this.fn.assetDir) {
      return {
        ok: false,
        durationMs: 0,
        error: {
          errorType: 'Runner.UnsupportedCode',
          errorMessage: `${this.fn.name}: only directory assets in cdk.out can run offline (runtime ${this.fn.runtime})`,
        },
      };
    }
    if (!/^nodejs/.test(this.fn.runtime)) {
      return {
        ok: false,
        durationMs: 0,
        error: {
          errorType: 'Runner.UnsupportedRuntime',
          errorMessage: `${this.fn.name}: runtime ${this.fn.runtime}`,
        },
      };
    }
    // Most recently used first, like Lambda reusing the warmest environment.
    let sandbox = this.sandboxes.filter((s) => !s.busy && !s.dead).sort((a, b) => b.lastUsed - a.lastUsed)[0];
    const cold = sandbox === undefined;
    if (!sandbox) {
      sandbox = new Sandbox(this.fn, this.env, (line) => this.onLog(this.fn.name, line), this.clock);
      this.sandboxes.push(sandbox);
    }
    sandbox.busy = true;
    try {
      let initDurationMs: number | undefined;
      if (cold) {
        const init = await sandbox.ready;
        if (!init.ok) {
          sandbox.kill();
          return { ok: false, error: init.error, durationMs: 0 };
        }
        initDurationMs = init.initMs;
      }
      const started = performance.now();
      const context = {
        functionName: this.fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: invokedArn,
        memoryLimitInMB: String(this.fn.memoryMb),
        awsRequestId: requestId,
        logGroupName: `/aws/lambda/${this.fn.name}`,
        logStreamName: sandbox.logStreamName,
      };
      const r = await sandbox.invoke(requestId, eventJson, context);
      const durationMs = performance.now() - started;
      return r.ok
        ? { ok: true, payload: r.payload, durationMs, initDurationMs }
        : { ok: false, error: r.error, durationMs, initDurationMs };
    } finally {
      sandbox.busy = false;
      sandbox.lastUsed = ++this.useCounter;
      sandbox.idle();
      if (sandbox.dead) this.sandboxes.splice(this.sandboxes.indexOf(sandbox), 1);
    }
  }

  async close(): Promise<void> {
    const all = this.sandboxes.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------------
// Executions
// ---------------------------------------------------------------------------------------------------

type LibraryRun = ReturnType<StateMachine['run']>;
type LibraryEvent = LibraryRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type TaskHandler = (input: JsonValueLib) => Promise<JsonValueLib>;
type JsonValueLib = Parameters<StateMachine['run']>[0];

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/;
const MAX_PAYLOAD_BYTES = 262_144;
// setTimeout fires at once for delays above 2^31-1 ms, which would turn a long timeout into an instant one.
const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);
const EXECUTION_NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

function isValidExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || EXECUTION_NAME_FORBIDDEN.test(name)) return false;
  return ![...name].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
}

/** Thrown by a task override for a failed invocation; the library turns name/message into Error/Cause. */
class TaskFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Errors Step Functions raises that neither Retry nor Catch (not even States.ALL) may handle. */
class TerminalTaskFailure extends TaskFailure {
  readonly isRetryable = false;
  readonly isCatchable = false;
}

interface RunnerError {
  state?: string;
  error: string;
  message: string;
}

interface WorkflowRuntime {
  readonly wf: SynthesizedWorkflow;
  readonly machine: StateMachine;
  readonly taskStates: Map<string, { resource: string }>;
  readonly opts: LocalWorkflowOptions;
  pool(fn: SynthesizedFunction): FunctionPool;
  functionFor(ref: string): { fn: SynthesizedFunction; qualifier?: string } | undefined;
  deliver(
    exec: Execution,
    status: ExecutionStatus,
    outcome?: ExecutionOutcome,
  ): Promise<StatusEventDelivery[]>;
}

class Execution implements LocalExecution {
  readonly executionArn: string;
  readonly history: HistoryEvent[] = [];
  readonly result: Promise<ExecutionOutcome>;
  readonly statusEvents: Promise<StatusEventDelivery[]>;
  readonly startDate = new Date();
  readonly inputJson: string;
  stopDate?: Date;
  private ended?: ExecutionOutcome;
  private stopRequest?: { error?: string; cause?: string };
  private silent = false;
  // Set as soon as the library reports the execution aborted or timed out, before settle() runs.
  private halted = false;
  private runnerError?: RunnerError;
  private readonly run: LibraryRun;
  private readonly thrown = new Map<string, number>();
  private readonly runningDelivery: Promise<StatusEventDelivery[]>;

  constructor(
    private readonly rt: WorkflowRuntime,
    readonly name: string,
    input: Json,
  ) {
    const { wf } = rt;
    this.inputJson = JSON.stringify(input);
    this.executionArn = `arn:${wf.partition}:states:${wf.region}:${wf.account}:execution:${wf.stateMachine.name}:${name}`;
    const handlers: Record<string, TaskHandler> = {};
    for (const [stateName, task] of rt.taskStates) {
      handlers[stateName] = (i) => {
        const pending = this.runTask(stateName, task.resource, i);
        // The library drops a task's promise when it throws before awaiting it (or after an abort);
        // the no-op handler keeps that from becoming an unhandled rejection. The library still sees it.
        pending.catch(() => {});
        return pending;
      };
    }
    this.run = rt.machine.run(input as JsonValueLib, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        waitTimeOverrides: rt.opts.waitTimeOverridesMs,
        retryIntervalOverrides: rt.opts.retryIntervalOverridesMs,
      },
      // The library fills in Execution.Input and Execution.StartTime itself.
      context: {
        Execution: { Id: this.executionArn, Name: name, RoleArn: wf.stateMachine.roleArn, RedriveCount: 0 },
        StateMachine: { Id: wf.stateMachine.arn, Name: wf.stateMachine.name },
      },
    });
    const consumed = this.consume();
    this.runningDelivery = rt.deliver(this, 'RUNNING');
    this.result = this.settle(consumed).catch((err: unknown) => {
      const outcome: ExecutionOutcome = {
        status: 'FAILED',
        error: 'Runner.InternalError',
        cause: String(err),
      };
      this.ended = outcome;
      return outcome;
    });
    this.statusEvents = this.result.then(async (outcome) => {
      const running = await this.runningDelivery;
      if (this.silent || this.runnerError) return running;
      return [...running, ...(await rt.deliver(this, outcome.status, outcome))];
    });
  }

  get status(): ExecutionStatus {
    return this.ended?.status ?? 'RUNNING';
  }

  get outcome(): ExecutionOutcome | undefined {
    return this.ended;
  }

  async stop(opts: { error?: string; cause?: string } = {}): Promise<void> {
    if (!this.ended && !this.stopRequest) {
      this.stopRequest = opts;
      this.run.abort();
    }
    await this.statusEvents;
  }

  /** Ends the execution without the status-change events (the runner is shutting down). */
  async abandon(): Promise<void> {
    if (!this.ended) {
      this.silent = true;
      this.stopRequest = this.stopRequest ?? {};
      this.run.abort();
    }
    await this.result;
  }

  transitions(): number {
    return this.history.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
  }

  private record(event: HistoryEvent): void {
    this.history.push(event);
  }

  private async consume(): Promise<void> {
    try {
      for await (const ev of this.run.eventLogs) this.onLibraryEvent(ev);
    } catch (err) {
      this.flagRunnerError(undefined, 'Runner.EventLogError', String(err));
    }
  }

  private onLibraryEvent(ev: LibraryEvent): void {
    const timestamp = ev.timestamp;
    switch (ev.type) {
      case 'ExecutionStarted':
        this.record({ type: 'ExecutionStarted', timestamp, input: ev.input });
        return;
      case 'StateEntered':
        this.record({
          type: 'StateEntered',
          timestamp,
          state: ev.state.name,
          stateType: ev.state.type,
          input: ev.state.input,
        });
        return;
      case 'StateExited':
        this.record({
          type: 'StateExited',
          timestamp,
          state: ev.state.name,
          stateType: ev.state.type,
          output: ev.state.output,
        });
        return;
      case 'StateRetried':
        this.record({
          type: 'StateRetried',
          timestamp,
          state: ev.state.name,
          stateType: ev.state.type,
          attempt: ev.retry.attempt,
        });
        return;
      case 'StateCaught':
        this.record({
          type: 'StateCaught',
          timestamp,
          state: ev.state.name,
          stateType: ev.state.type,
          next: ev.catch.catcher.Next,
        });
        return;
      case 'StateFailed': {
        const cause = typeof ev.Cause === 'string' ? ev.Cause : JSON.stringify(ev.Cause);
        this.record({
          type: 'StateFailed',
          timestamp,
          state: ev.state.name,
          stateType: ev.state.type,
          error: ev.Error,
          cause,
        });
        if (!this.isStepFunctionsError(ev.state.name, ev.state.type, ev.Error, cause)) {
          this.flagRunnerError(
            ev.state.name,
            ev.Error,
            `aws-local-stepfunctions raised ${ev.Error} in state ${ev.state.name}: ${cause}. ` +
              'Step Functions would not raise this error, so a Catch in the definition could hide it; ' +
              'the execution was stopped instead.',
          );
        }
        return;
      }
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
        this.halted = true;
        return;
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
        // Recorded by settle(), which knows the final outcome (stop reason, runner errors).
        return;
      default:
        this.record({ type: 'LibraryEvent', timestamp, name: ev.type, detail: ev });
    }
  }

  /** Whether a failed state carries an error Step Functions itself could have produced. */
  private isStepFunctionsError(state: string, stateType: string, error: string, cause: string): boolean {
    if (stateType === 'Fail' || error.startsWith('States.')) return true;
    const key = `${state}\u0000${error}\u0000${cause}`;
    const pending = this.thrown.get(key) ?? 0;
    if (pending === 0) return false;
    this.thrown.set(key, pending - 1);
    return true;
  }

  private flagRunnerError(state: string | undefined, error: string, message: string): void {
    if (this.runnerError) return;
    this.runnerError = { state, error, message };
    this.record({ type: 'RunnerError', timestamp: Date.now(), state, error, message });
    this.run.abort();
  }

  private async settle(consumed: Promise<void>): Promise<ExecutionOutcome> {
    let outcome: ExecutionOutcome;
    try {
      const output = await this.run.result;
      outcome = { status: 'SUCCEEDED', output };
    } catch (err) {
      outcome = this.failureOutcome(err);
    }
    await consumed;
    if (this.runnerError) {
      outcome = {
        status: 'FAILED',
        error: 'Runner.InternalError',
        cause: this.runnerError.message,
      };
    }
    this.stopDate = new Date();
    this.ended = outcome;
    const timestamp = this.stopDate.getTime();
    switch (outcome.status) {
      case 'SUCCEEDED':
        this.record({ type: 'ExecutionSucceeded', timestamp, output: outcome.output });
        break;
      case 'FAILED':
        this.record({ type: 'ExecutionFailed', timestamp, error: outcome.error, cause: outcome.cause });
        break;
      case 'ABORTED':
        this.record({
          type: 'ExecutionAborted',
          timestamp,
          error: this.stopRequest?.error,
          cause: this.stopRequest?.cause,
        });
        break;
      case 'TIMED_OUT':
        this.record({ type: 'ExecutionTimedOut', timestamp });
        break;
    }
    return outcome;
  }

  private failureOutcome(err: unknown): ExecutionOutcome {
    if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT' };
    if (err instanceof ExecutionError && err.cause instanceof Error) {
      const failed = [...this.history].reverse().find((e) => e.type === 'StateFailed');
      const stateDef = failed && failed.type === 'StateFailed' ? this.findState(failed.state) : undefined;
      if (stateDef?.Type === 'Fail') {
        // The library invents "FailStateError"/"Execution failed because of a Fail state" when a Fail
        // state has no Error/Cause; Step Functions leaves them empty.
        const hasError = stateDef.Error !== undefined || stateDef.ErrorPath !== undefined;
        const hasCause = stateDef.Cause !== undefined || stateDef.CausePath !== undefined;
        return {
          status: 'FAILED',
          error: hasError ? err.cause.name : '',
          cause: hasCause ? err.cause.message : '',
        };
      }
      return { status: 'FAILED', error: err.cause.name, cause: err.cause.message };
    }
    this.flagRunnerError(undefined, 'Runner.InternalError', `the execution ended with ${String(err)}`);
    return { status: 'FAILED', error: 'Runner.InternalError', cause: String(err) };
  }

  private findState(name: string): JsonObject | undefined {
    let found: JsonObject | undefined;
    walkStates(this.rt.wf.stateMachine.definition, (stateName, state) => {
      if (stateName === name) found = state;
    });
    return found;
  }

  private async runTask(state: string, resource: string, input: JsonValueLib): Promise<JsonValueLib> {
    // Yield one macrotask: the library's event log is drained in microtasks, so StateEntered (and any
    // StateFailed that flags a runner error) is recorded before this invocation is.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.runnerError || this.stopRequest || this.halted || this.ended) {
      // The library re-runs a task after a retry backoff even when the execution was aborted meanwhile.
      throw new TerminalTaskFailure('Runner.ExecutionHalted', 'the execution is no longer running');
    }
    const params = (
      typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}
    ) as JsonObject;
    const integration = LAMBDA_INVOKE.test(resource);
    const fnRef = integration ? params.FunctionName : resource;
    const target = typeof fnRef === 'string' ? this.rt.functionFor(fnRef) : undefined;
    if (!target) {
      const message = `state ${state}: no Lambda function of the stack is named ${JSON.stringify(fnRef)}`;
      this.flagRunnerError(state, 'Runner.FunctionNotFound', message);
      throw new TerminalTaskFailure('Runner.FunctionNotFound', message);
    }
    const { fn, qualifier } = target;
    const payload: Json = integration ? (params.Payload ?? null) : (input as Json);
    const requestId = randomUUID();
    this.record({
      type: 'LambdaInvoked',
      timestamp: Date.now(),
      state,
      functionName: fn.name,
      requestId,
      payload,
    });
    const invokedArn = qualifier ? `${fn.arn}:${qualifier}` : fn.arn;
    const eventJson = JSON.stringify(payload);
    const pool = this.rt.pool(fn);

    if (integration && params.InvocationType === 'Event') {
      void pool
        .invoke(eventJson, requestId, invokedArn)
        .then((r) => this.recordInvocation(state, fn.name, requestId, r));
      return lambdaInvokeOutput('', 202, requestId, qualifier) as JsonValueLib;
    }

    let r: InvokeResult;
    try {
      r = await pool.invoke(eventJson, requestId, invokedArn);
    } catch (err) {
      const message = `state ${state}: could not run ${fn.name}: ${String(err)}`;
      this.flagRunnerError(state, 'Runner.SandboxError', message);
      throw new TerminalTaskFailure('Runner.SandboxError', message);
    }
    this.recordInvocation(state, fn.name, requestId, r);
    if (!r.ok) {
      const cause = JSON.stringify(r.error);
      const key = `${state}\u0000${r.error.errorType}\u0000${cause}`;
      this.thrown.set(key, (this.thrown.get(key) ?? 0) + 1);
      throw new TaskFailure(r.error.errorType, cause);
    }
    const result = JSON.parse(r.payload) as Json;
    const output = integration ? lambdaInvokeOutput(result, 200, requestId, qualifier) : result;
    if (Buffer.byteLength(JSON.stringify(output)) > MAX_PAYLOAD_BYTES) {
      throw new TerminalTaskFailure(
        'States.DataLimitExceeded',
        `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    return output as JsonValueLib;
  }

  private recordInvocation(state: string, functionName: string, requestId: string, r: InvokeResult): void {
    const timestamp = Date.now();
    const durationMs = Math.round(r.durationMs * 100) / 100;
    const initDurationMs =
      r.initDurationMs === undefined ? undefined : Math.round(r.initDurationMs * 100) / 100;
    const common = {
      timestamp,
      state,
      functionName,
      requestId,
      durationMs,
      initDurationMs,
    };
    if (r.ok) this.record({ type: 'LambdaSucceeded', ...common, output: JSON.parse(r.payload) });
    else
      this.record({
        type: 'LambdaFailed',
        ...common,
        error: r.error.errorType,
        cause: JSON.stringify(r.error),
      });
  }

  statusChangeEvent(status: ExecutionStatus, outcome?: ExecutionOutcome): StatusChangeEvent {
    const { wf } = this.rt;
    const now = new Date();
    const ended = status !== 'RUNNING';
    const failed = outcome?.status === 'FAILED' ? outcome : undefined;
    const aborted = status === 'ABORTED' ? this.stopRequest : undefined;
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': STATUS_CHANGE_DETAIL_TYPE,
      source: 'aws.states',
      account: wf.account,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: wf.region,
      resources: [this.executionArn],
      detail: {
        executionArn: this.executionArn,
        stateMachineArn: wf.stateMachine.arn,
        name: this.name,
        status,
        startDate: this.startDate.getTime(),
        stopDate: ended ? (this.stopDate ?? now).getTime() : null,
        input: this.inputJson,
        inputDetails: { included: true },
        output: outcome?.status === 'SUCCEEDED' ? JSON.stringify(outcome.output) : null,
        outputDetails: outcome?.status === 'SUCCEEDED' ? { included: true } : null,
        error: failed?.error ?? aborted?.error ?? null,
        cause: failed?.cause ?? aborted?.cause ?? null,
        stateMachineVersionArn: null,
        stateMachineAliasArn: null,
        redriveCount: 0,
        redriveDate: null,
        redriveStatus:
          status === 'FAILED' || status === 'ABORTED' || status === 'TIMED_OUT'
            ? 'REDRIVABLE'
            : 'NOT_REDRIVABLE',
        redriveStatusReason:
          status === 'RUNNING' || status === 'SUCCEEDED'
            ? `Execution is ${status} and cannot be redriven`
            : null,
      },
    };
  }

  recordRunnerError(message: string): void {
    this.record({ type: 'RunnerError', timestamp: Date.now(), error: 'Runner.DeliveryError', message });
  }

  recordDelivery(delivery: StatusEventDelivery): void {
    this.record({ type: 'StatusEventDelivered', timestamp: Date.now(), delivery });
  }
}

/** The output of the `lambda:invoke` integration (what `$.Payload` selectors read from). */
function lambdaInvokeOutput(
  payload: Json,
  statusCode: number,
  requestId: string,
  qualifier?: string,
): JsonObject {
  const version = qualifier && /^\d+$/.test(qualifier) ? qualifier : '$LATEST';
  const body = statusCode === 202 ? '' : JSON.stringify(payload);
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Type': 'application/json',
    Date: new Date().toUTCString(),
    'X-Amz-Executed-Version': version,
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
  };
  return {
    ExecutedVersion: version,
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}

/** Visits every state, including those inside Parallel branches and Map iterators. */
function walkStates(definition: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  const states = isObject(definition.States) ? definition.States : {};
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    visit(name, state);
    if (Array.isArray(state.Branches)) for (const b of state.Branches) if (isObject(b)) walkStates(b, visit);
    for (const key of ['Iterator', 'ItemProcessor']) {
      const sub = state[key];
      if (isObject(sub)) walkStates(sub, visit);
    }
  }
}

function clampSeconds(value: Json | undefined): number | undefined {
  return typeof value === 'number' && value > MAX_TIMER_SECONDS ? MAX_TIMER_SECONDS : undefined;
}

/**
 * Rewrites the ASL where aws-local-stepfunctions departs from Step Functions, keeping the semantics:
 * returns the copy and a note per change.
 */
export function adaptDefinitionForLibrary(definition: JsonObject): {
  definition: JsonObject;
  adjustments: string[];
} {
  const copy = JSON.parse(JSON.stringify(definition)) as JsonObject;
  const adjustments: string[] = [];
  if (clampSeconds(copy.TimeoutSeconds) !== undefined) {
    // Longer than a timer can wait; no local run lasts 24 days anyway.
    delete copy.TimeoutSeconds;
    adjustments.push('state machine TimeoutSeconds above 24.8 days dropped');
  }
  walkStates(copy, (name, state) => {
    // The library stores the result under a key literally named "$" instead of replacing the input.
    if (state.ResultPath === '$') {
      delete state.ResultPath;
      adjustments.push(`${name}: ResultPath "$" replaced by the (identical) default`);
    }
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch) {
        if (isObject(catcher) && catcher.ResultPath === '$') {
          delete catcher.ResultPath;
          adjustments.push(`${name}: Catch ResultPath "$" replaced by the (identical) default`);
        }
      }
    }
    if (state.Type === 'Task') {
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        // Step Functions has no default task timeout (99999999 s); the library would use 60 s.
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
        adjustments.push(
          `${name}: no TimeoutSeconds, the library's 60 s default replaced by ${MAX_TIMER_SECONDS} s`,
        );
      } else if (clampSeconds(state.TimeoutSeconds) !== undefined) {
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
        adjustments.push(`${name}: TimeoutSeconds clamped to ${MAX_TIMER_SECONDS} s`);
      }
    }
    if (state.Type === 'Wait' && clampSeconds(state.Seconds) !== undefined) {
      state.Seconds = MAX_TIMER_SECONDS;
      adjustments.push(`${name}: Wait Seconds clamped to ${MAX_TIMER_SECONDS} s`);
    }
  });
  return { definition: copy, adjustments };
}

// ---------------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------------

const validatedDefinitions = new Set<string>();

/**
 * The app id a function's SDK requests carry in their user agent. The SDK caps it at 50 characters;
 * longer function names keep their start and get a hash of the whole name.
 */
export function callerId(fn: Pick<SynthesizedFunction, 'name'>): string {
  if (fn.name.length <= 50) return fn.name;
  return `${fn.name.slice(0, 41)}-${createHash('sha256').update(fn.name).digest('hex').slice(0, 8)}`;
}

export class LocalWorkflow implements WorkflowRuntime {
  readonly machine: StateMachine;
  readonly taskStates = new Map<string, { resource: string }>();
  /** Where the definition handed to aws-local-stepfunctions differs textually from the synthesized one. */
  readonly adjustments: string[];
  readonly opts: LocalWorkflowOptions;
  private readonly region: string;
  private readonly pools = new Map<string, FunctionPool>();
  private readonly functionsByName: Map<string, SynthesizedFunction>;
  private readonly executions = new Map<string, Execution>();
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private closed = false;
  private readonly clockEpoch = Date.now();

  constructor(
    readonly wf: SynthesizedWorkflow,
    opts: LocalWorkflowOptions,
  ) {
    this.opts = opts;
    if (opts.clockRate !== undefined && !(opts.clockRate > 0 && Number.isFinite(opts.clockRate)))
      throw new Error(`clockRate must be a positive number, got ${opts.clockRate}`);
    this.region = opts.region ?? wf.region;
    this.functionsByName = new Map(wf.functions.map((f) => [f.name, f]));
    const adapted = adaptDefinitionForLibrary(wf.stateMachine.definition);
    this.adjustments = adapted.adjustments;

    const problems: string[] = [];
    walkStates(adapted.definition, (name, state) => {
      if (state.Type !== 'Task') return;
      if (this.taskStates.has(name))
        problems.push(`${name}: task names must be unique (overrides are keyed by name)`);
      const resource = typeof state.Resource === 'string' ? state.Resource : '';
      if (LAMBDA_INVOKE.test(resource)) {
        const params = isObject(state.Parameters) ? state.Parameters : {};
        if (typeof params.FunctionName === 'string' && !this.functionFor(params.FunctionName)) {
          problems.push(
            `${name}: FunctionName ${params.FunctionName} is not a function of stack ${wf.stackName}`,
          );
        } else if (typeof params.FunctionName !== 'string' && typeof params['FunctionName.$'] !== 'string') {
          problems.push(`${name}: lambda:invoke without FunctionName`);
        }
      } else if (LAMBDA_ARN.test(resource)) {
        if (!this.functionFor(resource))
          problems.push(`${name}: ${resource} is not a function of stack ${wf.stackName}`);
      } else {
        // Without an override the library would call the real AWS Lambda API.
        problems.push(
          `${name}: Resource ${resource} cannot run offline (only lambda:invoke and Lambda ARNs)`,
        );
      }
      this.taskStates.set(name, { resource });
    });
    if (problems.length > 0)
      throw new Error(`state machine ${wf.stateMachine.name}:\n  ${problems.join('\n  ')}`);

    const text = JSON.stringify(adapted.definition);
    try {
      // asl-validator compiles its schemas on every call (about 0.5 s); a definition is checked once per process.
      this.machine = new StateMachine(adapted.definition as unknown as StateMachineDefinition, {
        validationOptions: validatedDefinitions.has(text)
          ? { noValidate: true }
          : { checkPaths: true, checkArn: true },
      });
    } catch (err) {
      throw new Error(`aws-local-stepfunctions rejected ${wf.stateMachine.name}: ${(err as Error).message}`);
    }
    validatedDefinitions.add(text);
  }

  functionFor(ref: string): { fn: SynthesizedFunction; qualifier?: string } | undefined {
    const parts = ref.split(':');
    let name = ref;
    let qualifier: string | undefined;
    if (ref.startsWith('arn:')) {
      name = parts[6] ?? '';
      qualifier = parts[7];
    } else if (parts[1] === 'function') {
      name = parts[2] ?? '';
      qualifier = parts[3];
    } else if (parts.length === 2) {
      [name, qualifier] = parts;
    }
    const fn = this.functionsByName.get(name);
    if (!fn) return undefined;
    if (ref.startsWith('arn:') && ref.split(':').slice(0, 7).join(':') !== fn.arn) return undefined;
    return { fn, qualifier: qualifier === '$LATEST' ? undefined : qualifier };
  }

  pool(fn: SynthesizedFunction): FunctionPool {
    let pool = this.pools.get(fn.name);
    if (!pool) {
      const env: Record<string, string> = {
        AWS_REGION: this.region,
        AWS_DEFAULT_REGION: this.region,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SESSION_TOKEN: 'testing',
        AWS_ENDPOINT_URL: this.opts.awsEndpoint,
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        // Tags every SDK request with the function that sent it (`app/<id>` in the user agent).
        AWS_SDK_UA_APP_ID: callerId(fn),
        LAMBDA_TASK_ROOT: fn.assetDir ?? '',
        LAMBDA_RUNTIME_DIR: '/var/runtime',
        _HANDLER: fn.handler,
        // Child processes a handler spawns need a PATH; nothing else of the host leaks in.
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        ...fn.environment,
        ...this.opts.env,
      };
      const onLog =
        this.opts.onLog ?? ((name: string, line: string) => process.stderr.write(`[${name}] ${line}\n`));
      const rate = this.opts.clockRate ?? 1;
      pool = new FunctionPool(fn, env, onLog, rate === 1 ? undefined : { rate, epoch: this.clockEpoch });
      this.pools.set(fn.name, pool);
    }
    return pool;
  }

  /** Creates the template's DynamoDB tables in the AWS endpoint; tables that already exist are left alone. */
  async deployResources(): Promise<void> {
    const client = new DynamoDBClient({
      region: this.region,
      endpoint: this.opts.awsEndpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    try {
      for (const table of this.wf.tables) {
        let exists = true;
        try {
          await client.send(new DescribeTableCommand({ TableName: table.name }));
        } catch (err) {
          if ((err as Error).name !== 'ResourceNotFoundException') throw err;
          exists = false;
        }
        if (!exists) {
          try {
            await client.send(new CreateTableCommand(table.createTableInput));
          } catch (err) {
            if ((err as Error).name !== 'ResourceInUseException') throw err;
          }
        }
        if (table.ttlAttribute) {
          const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table.name }));
          const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
          if (status !== 'ENABLED' && status !== 'ENABLING') {
            await client.send(
              new UpdateTimeToLiveCommand({
                TableName: table.name,
                TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
              }),
            );
          }
        }
      }
    } finally {
      client.destroy();
    }
  }

  /** Like StartExecution. Throws StepFunctionsApiError where StartExecution would return an error. */
  start(input: unknown, opts: { name?: string } = {}): LocalExecution {
    if (this.closed) throw new Error('LocalWorkflow is closed');
    const name = opts.name ?? randomUUID();
    if (!isValidExecutionName(name)) {
      throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const text = input === undefined ? '{}' : JSON.stringify(input);
    if (text === undefined)
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Input exceeds the 262144-byte limit');
    }
    const existing = this.executions.get(name);
    if (existing) {
      // StartExecution is idempotent for a running execution started with the same input.
      if (existing.status === 'RUNNING' && existing.inputJson === text) return existing;
      throw new StepFunctionsApiError(
        'ExecutionAlreadyExists',
        `Execution Already Exists: '${existing.executionArn}'`,
      );
    }
    const exec = new Execution(this, name, JSON.parse(text) as Json);
    this.executions.set(name, exec);
    return exec;
  }

  /** Delivers a status-change event to the targets of every matching rule, as EventBridge would. */
  deliver(
    exec: Execution,
    status: ExecutionStatus,
    outcome?: ExecutionOutcome,
  ): Promise<StatusEventDelivery[]> {
    const run = async (): Promise<StatusEventDelivery[]> => {
      const event = exec.statusChangeEvent(status, outcome);
      const deliveries: StatusEventDelivery[] = [];
      for (const rule of this.wf.rules) {
        if (!rule.enabled || !matchesEventPattern(rule.eventPattern, event)) continue;
        for (const target of rule.targets) {
          const fn = target.functionName ? this.functionsByName.get(target.functionName) : undefined;
          if (!fn) continue;
          const input = targetInput(target, rule, event);
          let r: InvokeResult;
          try {
            r = await this.pool(fn).invoke(JSON.stringify(input ?? null), randomUUID(), fn.arn);
          } catch (err) {
            r = {
              ok: false,
              durationMs: 0,
              error: { errorType: 'Runner.SandboxError', errorMessage: String(err) },
            };
          }
          const delivery: StatusEventDelivery = {
            rule: rule.name,
            functionName: fn.name,
            status,
            input,
            outcome: r.ok
              ? { ok: true, output: JSON.parse(r.payload) }
              : { ok: false, error: r.error.errorType, cause: JSON.stringify(r.error) },
          };
          exec.recordDelivery(delivery);
          deliveries.push(delivery);
        }
      }
      return deliveries;
    };
    const pending = run().catch((err: unknown) => {
      exec.recordRunnerError(`delivering the ${status} event failed: ${String(err)}`);
      return [];
    });
    this.pendingDeliveries.add(pending);
    void pending.finally(() => this.pendingDeliveries.delete(pending));
    return pending;
  }

  /** Aborts running executions (without status events), waits for deliveries, terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.executions.values()].map((e) => e.abandon()));
    await Promise.all([...this.executions.values()].map((e) => e.statusEvents));
    await Promise.allSettled([...this.pendingDeliveries]);
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
