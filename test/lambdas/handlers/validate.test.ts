import { InvalidInput } from '../../../lambdas/shared/contract';
import { handler } from '../../../lambdas/validate';
import { EXECUTION_ARN, rejected, useConfig } from './support';

const execution = { arn: EXECUTION_ARN, name: 'release-1', startedAt: '2026-11-27T12:00:00.000Z' };

describe('validate handler', () => {
  it('turns a cutover input into the typed request with its defaults', async () => {
    // Act
    const state = await handler({ input: { action: 'cutover', version: '2026.11.27-1' }, execution });

    // Assess
    expect(state).toEqual({
      execution,
      request: { action: 'cutover', version: '2026.11.27-1', dryRun: false, schemaChange: 'none' },
    });
  });

  it.each([
    [
      'an unknown key',
      { action: 'cutover', version: 'v2', listenerArn: 'arn:aws:elasticloadbalancing:x' },
      'listenerArn',
    ],
    ['a malformed version', { action: 'cutover', version: 'v 2' }, 'version'],
    ['an empty input', {}, 'action'],
  ])('refuses %s with InvalidInput naming the field', async (_case, input, field) => {
    // Act
    const error = await rejected(handler({ input, execution }));

    // Assess
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.name).toBe('InvalidInput');
    expect(error.details.field).toBe(field);
    expect(error.details.message).toContain(field);
  });
});

describe('validate handler with allowFiringAlarms', () => {
  useConfig({ alarms: ['orders-api-5xx', 'orders-api-p99'] });

  it('keeps configured alarm names and the reason in the request', async () => {
    // Act
    const state = await handler({
      input: { action: 'cutover', version: 'v2', allowFiringAlarms: ['orders-api-p99'], reason: 'INC-7' },
      execution,
    });

    // Assess
    expect(state.request).toMatchObject({ allowFiringAlarms: ['orders-api-p99'], reason: 'INC-7' });
  });

  it('refuses a name that is not a configured alarm with InvalidInput naming the entry', async () => {
    // Act
    const error = await rejected(
      handler({
        input: { action: 'cutover', version: 'v2', allowFiringAlarms: ['orders-api-5xxx'], reason: 'INC-7' },
        execution,
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.details.field).toBe('allowFiringAlarms[0]');
    expect(error.details.message).toContain('"orders-api-5xxx"');
    expect(error.details.message).toContain('"orders-api-5xx", "orders-api-p99"');
  });
});
