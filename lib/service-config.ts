import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  alarmsSchema,
  albTrafficSchema,
  deploySchema,
  SERVICE_NAME,
  timingSchema,
} from '../lambdas/shared/config';
import { firstProblem } from '../lambdas/shared/validation';

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
  if (config.traffic.blueTargetGroupArn === config.traffic.greenTargetGroupArn) {
    throw new ConfigError(
      `${source}: "traffic.greenTargetGroupArn" must differ from "traffic.blueTargetGroupArn"`,
      'traffic.greenTargetGroupArn',
    );
  }
  if (
    config.pollSeconds !== undefined &&
    config.healthTimeoutSeconds !== undefined &&
    config.pollSeconds > config.healthTimeoutSeconds
  ) {
    throw new ConfigError(
      `${source}: "pollSeconds" (${config.pollSeconds}) must not exceed "healthTimeoutSeconds" (${config.healthTimeoutSeconds})`,
      'pollSeconds',
    );
  }
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
