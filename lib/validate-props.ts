import { Token } from 'aws-cdk-lib';
import { z } from 'zod';
import {
  type ArnField,
  crossFieldViolation,
  describeValue,
  innermostIssue,
  joinPath,
  type RuntimeConfig,
  serviceConfigSchema,
  trafficSchemas,
  valueAt,
} from './handler-contract';

/** What is wrong with one prop; the error's message is built from it, the prop and its value. */
export type PropViolation =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'missing'; readonly expected: string }
  | { readonly kind: 'invalid'; readonly rule: string }
  | { readonly kind: 'exceeds'; readonly other: string; readonly otherValue: unknown }
  | { readonly kind: 'same-as'; readonly other: string }
  | { readonly kind: 'one-of'; readonly other: string }
  | { readonly kind: 'requires'; readonly other: string; readonly otherValue: string }
  | {
      readonly kind: 'environment-too-large';
      readonly bytes: number;
      readonly limitBytes: number;
      readonly fieldBytes: number;
    };

/** Thrown at synth for props the construct refuses; `field` is the prop's path, e.g. `traffic.listenerArn`. */
export class BlueGreenCutoverPropsError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly violation: PropViolation,
  ) {
    super(`BlueGreenCutover: ${sentence(`props.${field}`, value, violation)}`);
    this.name = 'BlueGreenCutoverPropsError';
  }
}

function sentence(prop: string, value: unknown, violation: PropViolation): string {
  switch (violation.kind) {
    case 'unknown':
      return `unknown prop ${prop}`;
    case 'missing':
      return `${prop} is required (${violation.expected})`;
    case 'invalid':
      return `${prop} ${violation.rule}, got ${describeValue(value)}`;
    case 'exceeds':
      return `${prop} (${describeValue(value)}) must not exceed props.${violation.other} (${describeValue(violation.otherValue)})`;
    case 'same-as':
      // Not shortened: the whole ARN is what a user searches their code for.
      return `${prop} must differ from props.${violation.other}, both are ${JSON.stringify(value)}`;
    case 'requires':
      return `${prop} ${JSON.stringify(value)} works only with props.${violation.other} ${JSON.stringify(violation.otherValue)}`;
    case 'one-of':
      return `give exactly one of ${prop} and props.${violation.other} (the side's health source)`;
    case 'environment-too-large':
      return (
        `${prop} makes the handlers' configuration too large for Lambda's environment: ` +
        `${violation.bytes} bytes of variables (keys and values, tokens counted at their longest), over ` +
        `the limit of ${violation.limitBytes} bytes; the ${Array.isArray(value) ? value.length : 0} alarm ` +
        `names take ${violation.fieldBytes} of them: list fewer or shorter ones`
      );
  }
}

/** An ARN prop: checked like the config file's, except that tokens (resources of this app) pass. */
const arnOrToken: ArnField = (pattern, what) =>
  z.string().refine((value) => Token.isUnresolved(value) || pattern.test(value), `must be ${what}`);

/** The config file's schema, with ARNs that may be tokens, plus the props only the construct has. */
const propsSchema = serviceConfigSchema.extend({
  traffic: trafficSchemas(arnOrToken).traffic,
  logRetention: z.unknown().optional(),
  tableRemovalPolicy: z.unknown().optional(),
});

/**
 * Wording for the checks that carry no message of their own (type checks, choices of a
 * discriminator); every other rule states its own in the schema.
 */
const ruleWording: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') return `must be ${article(issue.expected)}`;
  if (issue.code === 'invalid_value')
    return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    return `must be ${issue.options.map((v) => JSON.stringify(v)).join(' or ')}`;
  }
  return undefined;
};

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function errorOf(issue: z.core.$ZodIssue, props: unknown): BlueGreenCutoverPropsError {
  if (issue.code === 'unrecognized_keys') {
    const path = [...issue.path, issue.keys[0] ?? ''];
    return new BlueGreenCutoverPropsError(joinPath(path), valueAt(props, path), { kind: 'unknown' });
  }
  const value = valueAt(props, issue.path);
  if (issue.code === 'invalid_type' && value === undefined) {
    return new BlueGreenCutoverPropsError(joinPath(issue.path), value, {
      kind: 'missing',
      expected: article(issue.expected),
    });
  }
  return new BlueGreenCutoverPropsError(joinPath(issue.path), value, {
    kind: 'invalid',
    rule: issue.message,
  });
}

/** The props as validated, with the defaults of the traffic keys applied. */
export type ValidProps = z.infer<typeof propsSchema>;

/** Refuses props the workflow cannot run with, naming the prop and its value; answers them parsed. */
export function validateProps(props: unknown): ValidProps {
  const parsed = propsSchema.safeParse(props, { error: ruleWording });
  if (!parsed.success) {
    // A failed parse has at least one issue; the first is the one a user fixes first.
    throw errorOf(innermostIssue(parsed.error.issues[0]!, props), props);
  }
  const violation = crossFieldViolation(parsed.data);
  if (violation) throw new BlueGreenCutoverPropsError(violation.field, violation.value, violation);
  return parsed.data;
}

/** Lambda's limit for all environment variables of a function together, keys and values, in bytes. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The longest value a token in the handlers' configuration can resolve to: the table name that
 * CloudFormation generates and alarm names are at most 255 characters (DynamoDB's and CloudWatch's
 * limits); a listener or target group ARN, with a name of at most 32 characters and ids of 16 hex
 * digits, stays under 160.
 */
const TOKEN_MAX_LENGTH = 255;

/** The configuration with every token replaced by a value of its longest length. */
function atLongest(value: unknown): unknown {
  if (typeof value === 'string') return Token.isUnresolved(value) ? 'x'.repeat(TOKEN_MAX_LENGTH) : value;
  if (Array.isArray(value)) return value.map(atLongest);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, atLongest(v)]));
  }
  return value;
}

/** The most bytes the functions' environment can take: the configuration as JSON, plus the other variables. */
function environmentBytes(
  configVariable: string,
  config: RuntimeConfig,
  otherVariables: Readonly<Record<string, string>>,
): number {
  const variables = { ...otherVariables, [configVariable]: JSON.stringify(atLongest(config)) };
  return Object.entries(variables).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

/**
 * The configuration travels in each function's environment, which Lambda caps at 4 KB; only the
 * alarm list can grow that far, so a configuration too large is refused at synth, naming `alarms`,
 * instead of by CloudFormation halfway through a deploy.
 */
export function checkEnvironmentSize(
  configVariable: string,
  config: RuntimeConfig,
  otherVariables: Readonly<Record<string, string>>,
): void {
  const bytes = environmentBytes(configVariable, config, otherVariables);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  throw new BlueGreenCutoverPropsError('alarms', config.alarms, {
    kind: 'environment-too-large',
    bytes,
    limitBytes: LAMBDA_ENVIRONMENT_LIMIT_BYTES,
    fieldBytes: Buffer.byteLength(JSON.stringify(atLongest(config.alarms))),
  });
}
