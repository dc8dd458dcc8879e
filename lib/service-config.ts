import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  alarmsSchema,
  albTrafficSchema,
  deploySchema,
  type FieldProblem,
  firstProblem,
  LIMITS,
  SERVICE_NAME,
  timingSchema,
} from './handler-contract';

/**
 * The config file of the app in bin/ (DESIGN.md, "Config file"). The same schema pieces validate
 * the construct's props and the handlers' runtime configuration.
 */
export const serviceConfigSchema = z.strictObject({
  service: z
    .string()
    .regex(SERVICE_NAME, 'must match ^[a-z][a-z0-9-]{0,39}$ (lowercase, digits, "-"; at most 40)'),
  traffic: z.discriminatedUnion('type', [albTrafficSchema]),
  deploy: deploySchema.optional(),
  alarms: alarmsSchema.optional(),
  healthTimeoutSeconds: timingSchema.healthTimeoutSeconds.optional(),
  pollSeconds: timingSchema.pollSeconds.optional(),
  bakeSeconds: timingSchema.bakeSeconds.optional(),
});

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

/**
 * pollSeconds when not given: 5, or healthTimeoutSeconds when that is shorter, so that timings as
 * small as 1 second are accepted without spelling out pollSeconds.
 */
export function defaultPollSeconds(healthTimeoutSeconds: number | undefined): number {
  return Math.min(LIMITS.pollSeconds.default, healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default);
}

/** A rule that spans two fields, broken: the field to change, its value, and the other field. */
export type CrossFieldViolation =
  | {
      readonly field: 'traffic.greenTargetGroupArn';
      readonly value: string;
      readonly kind: 'same-as';
      readonly other: 'traffic.blueTargetGroupArn';
    }
  | {
      readonly field: 'pollSeconds';
      readonly value: number;
      readonly kind: 'exceeds';
      readonly other: 'healthTimeoutSeconds';
      readonly otherValue: number;
    };

/**
 * The rules that span two fields, shared by the config file and the construct's props. Timings not
 * given count with their defaults, so both refuse the same combinations. ARNs are compared as
 * written: for the construct's token ARNs, the same token is the same group.
 */
export function crossFieldViolation(
  config: Pick<ServiceConfig, 'pollSeconds' | 'healthTimeoutSeconds'> & {
    readonly traffic: { readonly blueTargetGroupArn: string; readonly greenTargetGroupArn: string };
  },
): CrossFieldViolation | undefined {
  if (config.traffic.blueTargetGroupArn === config.traffic.greenTargetGroupArn) {
    return {
      field: 'traffic.greenTargetGroupArn',
      value: config.traffic.greenTargetGroupArn,
      kind: 'same-as',
      other: 'traffic.blueTargetGroupArn',
    };
  }
  const poll = config.pollSeconds ?? defaultPollSeconds(config.healthTimeoutSeconds);
  const health = config.healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default;
  if (poll > health) {
    return {
      field: 'pollSeconds',
      value: poll,
      kind: 'exceeds',
      other: 'healthTimeoutSeconds',
      otherValue: health,
    };
  }
  return undefined;
}

/** The config file's wording of a cross-field violation. */
function crossFieldProblem(config: ServiceConfig): FieldProblem | undefined {
  const violation = crossFieldViolation(config);
  if (!violation) return undefined;
  const message =
    violation.kind === 'same-as'
      ? `"${violation.field}" must differ from "${violation.other}", both are "${violation.value}"`
      : `"${violation.field}" (${violation.value}) must not exceed "${violation.other}" (${violation.otherValue})`;
  return { field: violation.field, message };
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates parsed JSON; the error names the source and the key. */
export function parseServiceConfig(json: unknown, source: string): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error, json, 'config');
    throw new ConfigError(`${source}: ${problem.message}`, problem.field);
  }
  const config = parsed.data;
  const problem = crossFieldProblem(config);
  if (problem) throw new ConfigError(`${source}: ${problem.message}`, problem.field);
  return config;
}

export function loadServiceConfig(path: string): ServiceConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      'config',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      'config',
    );
  }
  return parseServiceConfig(json, path);
}
