import { InvalidInput, parseRequest } from '../../lambdas/shared/contract';
import { thrown } from '../support/errors';

function fieldOf(input: unknown): string | undefined {
  try {
    parseRequest(input);
  } catch (error) {
    if (error instanceof InvalidInput) return error.details.field;
    throw error;
  }
  return undefined;
}

describe('parseRequest', () => {
  it('normalizes a cutover with defaults', () => {
    expect(parseRequest({ action: 'cutover', version: '2026.11.27-1' })).toEqual({
      action: 'cutover',
      version: '2026.11.27-1',
      dryRun: false,
      schemaChange: 'none',
    });
  });

  it('accepts a dry-run expand cutover and a forced rollback', () => {
    expect(
      parseRequest({ action: 'cutover', version: 'v2', dryRun: true, schemaChange: 'expand' }),
    ).toMatchObject({
      dryRun: true,
      schemaChange: 'expand',
    });
    expect(parseRequest({ action: 'rollback', reason: 'p99', force: true })).toEqual({
      action: 'rollback',
      reason: 'p99',
      force: true,
      dryRun: false,
    });
  });

  it.each([
    [{}, 'action'],
    [null, 'action'],
    ['cutover', 'action'],
    [{ action: 'deploy' }, 'action'],
    [{ action: 'cutover' }, 'version'],
    [{ action: 'cutover', version: '-bad' }, 'version'],
    [{ action: 'cutover', version: 'a'.repeat(129) }, 'version'],
    [{ action: 'cutover', version: 42 }, 'version'],
    [{ action: 'cutover', version: 'v2', dryRun: 'yes' }, 'dryRun'],
    [{ action: 'cutover', version: 'v2', schemaChange: 'drop' }, 'schemaChange'],
    [{ action: 'cutover', version: 'v2', listenerArn: 'arn:aws:elasticloadbalancing:x' }, 'listenerArn'],
    [{ action: 'rollback', targetGroupArn: 'arn:aws:elasticloadbalancing:x' }, 'targetGroupArn'],
    [{ action: 'rollback', force: 'true' }, 'force'],
  ])('rejects %j naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it('says what is wrong in the message', () => {
    expect(thrown(() => parseRequest({ action: 'cutover', version: 'v 2' })).details.message).toMatch(
      /version.*image tag.*"v 2"/,
    );
  });
});
