/**
 * What the CLI refuses, and what the user should do about it. Exit codes: 1 when a release (or the
 * execution being watched) did not succeed, 2 when the command could not do its work at all.
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** What to do next, printed after the message. */
    readonly hint?: string,
    readonly exitCode = 2,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'TokenRefreshRequired',
]);

/** An error of the SDK or the network as a CliError that says what to do. */
export function explain(error: unknown, endpoint?: string): CliError {
  if (error instanceof CliError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: string }).code;
  if (CREDENTIAL_ERRORS.has(e.name)) {
    return new CliError(
      `no usable AWS credentials (${e.message})`,
      'set AWS_PROFILE (and run `aws sso login` for an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, as for the AWS CLI',
      2,
      { cause: e },
    );
  }
  if (e.message === 'Region is missing' || /region is missing/i.test(e.message)) {
    return new CliError(
      'no AWS region',
      'pass --region, or set AWS_REGION (or a region in your AWS profile)',
      2,
      { cause: e },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || e.name === 'TimeoutError') {
    return new CliError(
      `could not reach ${endpoint ?? 'the AWS endpoint'} (${code ?? e.name})`,
      endpoint ? 'check --endpoint-url: is the offline runner still running?' : 'check your network',
      2,
      { cause: e },
    );
  }
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied') {
    return new CliError(
      `access denied: ${e.message}`,
      'the README lists the permissions each command needs ("The CLI")',
      2,
      { cause: e },
    );
  }
  return new CliError(`${e.name}: ${e.message}`, undefined, 2, { cause: e });
}
