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

/**
 * The rules that span two fields, shared by the config file and the construct's props. Timings not
 * given count with their defaults, so both refuse the same combinations.
 */
export function crossFieldProblem(
  config: Pick<ServiceConfig, 'pollSeconds' | 'healthTimeoutSeconds'> & {
    readonly traffic: { readonly blueTargetGroupArn: string; readonly greenTargetGroupArn: string };
  },
): FieldProblem | undefined {
  if (config.traffic.blueTargetGroupArn === config.traffic.greenTargetGroupArn) {
    return {
      field: 'traffic.greenTargetGroupArn',
      message: `"traffic.greenTargetGroupArn" must differ from "traffic.blueTargetGroupArn", both are "${config.traffic.blueTargetGroupArn}"`,
    };
  }
  const poll = config.pollSeconds ?? defaultPollSeconds(config.healthTimeoutSeconds);
  const health = config.healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default;
  if (poll > health) {
    return {
      field: 'pollSeconds',
      message: `"pollSeconds" (${poll}) must not exceed "healthTimeoutSeconds" (${health})`,
    };
  }
  return undefined;
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
