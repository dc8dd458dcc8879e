import { createHash } from 'node:crypto';
import type { SynthesizedFunction } from '../assembly/types';
import { FAKE_CREDENTIALS_ENV } from '../common/account';

/**
 * The app id a function's SDK requests carry in their user agent. The SDK caps it at 50 characters;
 * longer function names keep their start and get a hash of the whole name.
 */
export function callerId(fn: Pick<SynthesizedFunction, 'name'>): string {
  if (fn.name.length <= 50) return fn.name;
  return `${fn.name.slice(0, 41)}-${createHash('sha256').update(fn.name).digest('hex').slice(0, 8)}`;
}

/**
 * The environment the Lambda service gives a function, aimed at the offline AWS endpoint, then the
 * function's own variables, then the caller's extras. Nothing else of the host leaks in.
 */
export function functionEnvironment(
  fn: SynthesizedFunction,
  opts: { region: string; awsEndpoint: string; extra?: Record<string, string> },
): Record<string, string> {
  return {
    AWS_REGION: opts.region,
    AWS_DEFAULT_REGION: opts.region,
    ...FAKE_CREDENTIALS_ENV,
    AWS_ENDPOINT_URL: opts.awsEndpoint,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
    // Tags every SDK request with the function that sent it (`app/<id>` in the user agent).
    AWS_SDK_UA_APP_ID: callerId(fn),
    // No X-Ray daemon here: Powertools Tracer would warn on every SDK call without a segment.
    POWERTOOLS_TRACE_ENABLED: 'false',
    LAMBDA_TASK_ROOT: fn.assetDir ?? '',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: fn.handler,
    // Child processes a handler spawns need a PATH.
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...fn.environment,
    ...opts.extra,
  };
}
