import { InvalidInput, parseRequest } from '../../lambdas/shared/contract';
import { thrown } from '../support/errors';

const SHA = 'fpUOVjfyyBtQp1CcqOq534NjyLMMCGjYSWLYuhxHa14=';

describe('codeSha256 in the execution input', () => {
  it('is kept on a cutover', () => {
    expect(parseRequest({ action: 'cutover', version: 'v2', codeSha256: SHA })).toMatchObject({
      codeSha256: SHA,
    });
  });

  it.each([
    ['a hex digest', 'a'.repeat(64)],
    ['a truncated digest', SHA.slice(0, 40)],
    ['a number', 42],
  ])('refuses %s with InvalidInput naming codeSha256', (_, codeSha256) => {
    const error = thrown(() => parseRequest({ action: 'cutover', version: 'v2', codeSha256 }));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.details.field).toBe('codeSha256');
  });

  it('is refused on a rollback, which publishes nothing', () => {
    expect(thrown(() => parseRequest({ action: 'rollback', codeSha256: SHA })).details.field).toBe(
      'codeSha256',
    );
  });
});
