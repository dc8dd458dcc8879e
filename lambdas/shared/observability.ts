import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { CONFIG_ENV } from './contract/config';

/**
 * Logging and tracing, created once per container (Powertools for AWS Lambda). Every line carries
 * the service, and the step wrapper adds the execution and the step; payloads are never logged.
 */
export const logger = new Logger({ serviceName: serviceName() });

export const tracer = new Tracer({ serviceName: serviceName() });

/** The released service names the logs and traces; the configuration is checked later, by the step. */
function serviceName(): string {
  try {
    const service: unknown = JSON.parse(process.env[CONFIG_ENV] ?? '{}').service;
    return typeof service === 'string' ? service : 'bluegreen-cutover';
  } catch {
    return 'bluegreen-cutover';
  }
}

/** An SDK client whose calls show as subsegments in the step's X-Ray trace. */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
