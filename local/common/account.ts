/**
 * The one fake identity of the offline runner. The account is moto's default, so ARNs built here
 * match the ones moto returns; moto accepts any credentials, but the SDK refuses to sign without some.
 */
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The same credentials as environment variables, for processes and threads that build their own clients. */
export const FAKE_CREDENTIALS_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: 'testing',
};

export function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}
