import { createHash } from 'node:crypto';
import { isObject, type Json, type JsonObject } from '../common/json';

/**
 * Resolves the CloudFormation tokens of a stack synthesized by this product into the strings
 * CloudFormation would produce: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and
 * `Fn::Split` over the resource types below. Anything else (conditions, mappings, other intrinsics,
 * other resource types) is refused by name with UnsupportedTemplateError, so that a construct change
 * that needs more emulation fails loudly here rather than as a wrong ARN in a handler.
 */

export interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  Condition?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Type?: string; Default?: Json }>;
}
export interface StackEnv {
  stackName: string;
  region: string;
  account: string;
  partition: string;
  urlSuffix: string;
}

/** A template uses something the offline runner does not emulate. */
export class UnsupportedTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTemplateError';
  }
}

const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

/**
 * The resource types a stack of this product holds that other resources refer to: the property
 * holding an explicit physical name, the name length CloudFormation allows, and the ARN shape.
 */
const RESOURCE_TYPES: Record<
  string,
  { prop?: string; maxLength: number; arn?: (e: StackEnv, name: string) => string }
> = {
  'AWS::Lambda::Function': {
    prop: 'FunctionName',
    maxLength: 64,
    arn: (e, n) => `arn:${e.partition}:lambda:${e.region}:${e.account}:function:${n}`,
  },
  'AWS::DynamoDB::Table': {
    prop: 'TableName',
    maxLength: 255,
    arn: (e, n) => `arn:${e.partition}:dynamodb:${e.region}:${e.account}:table/${n}`,
  },
  'AWS::StepFunctions::StateMachine': {
    prop: 'StateMachineName',
    maxLength: 80,
    arn: (e, n) => `arn:${e.partition}:states:${e.region}:${e.account}:stateMachine:${n}`,
  },
  'AWS::IAM::Role': {
    prop: 'RoleName',
    maxLength: 64,
    arn: (e, n) => `arn:${e.partition}:iam::${e.account}:role/${n}`,
  },
  'AWS::IAM::Policy': { prop: 'PolicyName', maxLength: 128 },
  // Rules on the default bus only: the product puts none on another bus.
  'AWS::Events::Rule': {
    prop: 'Name',
    maxLength: 64,
    arn: (e, n) => `arn:${e.partition}:events:${e.region}:${e.account}:rule/${n}`,
  },
  'AWS::Logs::LogGroup': {
    prop: 'LogGroupName',
    maxLength: 512,
    arn: (e, n) => `arn:${e.partition}:logs:${e.region}:${e.account}:log-group:${n}:*`,
  },
  'AWS::CloudWatch::Alarm': {
    prop: 'AlarmName',
    maxLength: 255,
    arn: (e, n) => `arn:${e.partition}:cloudwatch:${e.region}:${e.account}:alarm:${n}`,
  },
  'AWS::Lambda::Permission': { maxLength: 128 },
  // The dead-letter queue of a rule's target; its Ref is the queue URL.
  'AWS::SQS::Queue': {
    prop: 'QueueName',
    maxLength: 80,
    arn: (e, n) => `arn:${e.partition}:sqs:${e.region}:${e.account}:${n}`,
  },
};

/** Resource types whose `Ref` is the ARN rather than the name. */
const REF_IS_ARN = new Set(['AWS::StepFunctions::StateMachine']);

export class TemplateResolver {
  private readonly names = new Map<string, string>();
  private readonly naming = new Set<string>();

  constructor(
    readonly template: CfnTemplate,
    readonly env: StackEnv,
  ) {}

  /** Whether the resource exists; resources with a Condition are refused rather than guessed at. */
  exists(logicalId: string): boolean {
    const res = this.template.Resources[logicalId];
    if (res?.Condition !== undefined) {
      throw new UnsupportedTemplateError(
        `${logicalId}: Condition ${res.Condition} cannot be evaluated offline (conditions are not resolved)`,
      );
    }
    return res !== undefined;
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
      const spec = this.typeOf(logicalId, res, 'a name');
      const explicit = spec.prop ? res.Properties?.[spec.prop] : undefined;
      const name =
        explicit !== undefined
          ? this.resolveString(explicit, `${logicalId}.${spec.prop}`)
          : generatedName(this.env.stackName, logicalId, spec.maxLength);
      this.names.set(logicalId, name);
      return name;
    } finally {
      this.naming.delete(logicalId);
    }
  }

  arn(logicalId: string): string {
    const res = this.resource(logicalId, 'Arn');
    const build = this.typeOf(logicalId, res, 'an ARN').arn;
    if (!build) throw new UnsupportedTemplateError(`${logicalId} (${res.Type}): has no ARN offline`);
    return build(this.env, this.physicalName(logicalId));
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
      case 'AWS::NoValue':
        return NO_VALUE;
    }
    if (name.startsWith('AWS::')) {
      throw new UnsupportedTemplateError(`${where}: the pseudo parameter ${name} is not resolved offline`);
    }
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new Error(`${where}: parameter ${name} has no default`);
      return this.resolveInner(param.Default, `${where} -> Parameters.${name}`);
    }
    const res = this.resource(name, where);
    if (res.Type === 'AWS::SQS::Queue') {
      const { region, account, urlSuffix } = this.env;
      return `https://sqs.${region}.${urlSuffix}/${account}/${this.physicalName(name)}`;
    }
    return REF_IS_ARN.has(res.Type) ? this.arn(name) : this.physicalName(name);
  }

  getAtt(logicalId: string, attr: string, where: string): Json {
    const res = this.resource(logicalId, where);
    if (attr === 'Arn') return this.arn(logicalId);
    if (res.Type === 'AWS::StepFunctions::StateMachine' && attr === 'Name')
      return this.physicalName(logicalId);
    throw new UnsupportedTemplateError(
      `${where}: Fn::GetAtt ${logicalId}.${attr} (${res.Type}) is not resolved offline`,
    );
  }

  private typeOf(logicalId: string, res: CfnResource, what: string): (typeof RESOURCE_TYPES)[string] {
    const spec = RESOURCE_TYPES[res.Type];
    if (!spec) {
      throw new UnsupportedTemplateError(
        `${logicalId}: cannot build ${what} for a resource of type ${res.Type} offline ` +
          `(resolved: ${Object.keys(RESOURCE_TYPES).join(', ')})`,
      );
    }
    return spec;
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
      case 'Fn::Sub':
        return this.sub(arg, at);
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
      default:
        throw new UnsupportedTemplateError(
          `${at}: the intrinsic function ${fn} is not resolved offline ` +
            '(resolved: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split)',
        );
    }
  }

  private sub(arg: Json, at: string): string {
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
}

/** CloudFormation's `<stack>-<logicalId>-<random>` naming, with a hash instead of the random part. */
function generatedName(stackName: string, logicalId: string, maxLength: number): string {
  const suffix = createHash('sha256').update(`${stackName}/${logicalId}`).digest('hex').slice(0, 12);
  let stackPart = stackName;
  let idPart = logicalId;
  const budget = maxLength - suffix.length - 2;
  while (stackPart.length + idPart.length > budget) {
    if (stackPart.length >= idPart.length) stackPart = stackPart.slice(0, -1);
    else idPart = idPart.slice(0, -1);
  }
  return `${stackPart}-${idPart}-${suffix.toUpperCase()}`;
}
