/**
 * Errors worth another try: the state machine retries a step that fails with one of them. Most are
 * the SDK's; LeaseContended is the lease changing hands between a step's write and its read.
 */
export const TRANSIENT_ERROR_NAMES = [
  'LeaseContended',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  // Each service's own name for its HTTP 500: ELB and CloudWatch, Lambda, EventBridge.
  'InternalFailure',
  'ServiceException',
  'InternalException',
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

/** The lease was released between AcquireLease's conditional write and its read of the holder. */
export class LeaseContended extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseContended';
  }
}
