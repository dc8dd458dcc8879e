import { isRefusal, isTransient } from '../../lambdas/shared/aws/transient';

/** An SDK error as the client throws it: the service's error code as its name, the HTTP status. */
function sdkError(name: string, status: number): Error {
  return Object.assign(new Error(`injected ${name}`), { name, $metadata: { httpStatusCode: status } });
}

describe('transient errors', () => {
  it.each([
    ['InternalServerError', 500],
    ['InternalFailure', 500],
    ['ServiceException', 500],
    ['InternalException', 500],
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['TooManyRequestsException', 429],
    ['TimeoutError', 0],
  ])('retries %s (each service spells its 5xx and throttling its own way)', (name, status) => {
    const error = sdkError(name, status);
    expect(isTransient(error)).toBe(true);
    expect(isRefusal(error)).toBe(false);
  });

  it('does not retry a refusal', () => {
    const denied = sdkError('AccessDeniedException', 400);
    expect(isTransient(denied)).toBe(false);
    expect(isRefusal(denied)).toBe(true);
  });
});
