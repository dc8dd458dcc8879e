import { readFileSync } from 'node:fs';
import {
  crossFieldViolation,
  type FieldProblem,
  firstProblem,
  type ServiceConfig,
  serviceConfigSchema,
  valueAt,
} from './handler-contract';

export { type ServiceConfig, serviceConfigSchema } from './handler-contract';

/** The config file's wording of a cross-field violation. */
function crossFieldProblem(config: ServiceConfig): FieldProblem | undefined {
  const violation = crossFieldViolation(config);
  if (!violation) return undefined;
  const message =
    violation.kind === 'same-as'
      ? `"${violation.field}" must differ from "${violation.other}", both are "${violation.value}"`
      : violation.kind === 'one-of'
        ? `give exactly one of "${violation.field}" and "${violation.other}" (the side's health source)`
        : violation.kind === 'requires'
          ? `"${violation.field}" "${violation.value}" works only with "${violation.other}" "${violation.otherValue}", got "${String(valueAt(config, violation.other.split('.')))}"`
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
