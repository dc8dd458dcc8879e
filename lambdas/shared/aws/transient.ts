/** SDK errors worth another try: the state machine retries a step that fails with one of them. */
export const TRANSIENT_ERROR_NAMES = [
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
] as const;

export function isTransient(error: unknown): boolean {
  return error instanceof Error && (TRANSIENT_ERROR_NAMES as readonly string[]).includes(error.name);
}

/** An AWS answer that refused the request (4xx, not throttling): the request had no effect. */
export function isRefusal(error: unknown): boolean {
  if (!(error instanceof Error) || isTransient(error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}
