import { addRuleForwardingTo } from '../../local/fixtures';
import { failure, useOfflineEnvironment } from './support';

const env = useOfflineEnvironment({
  service: 'refusals',
  bakeSeconds: 2,
  healthTimeoutSeconds: 5,
  extraConfiguredAlarms: ['refusals-typo'],
});

describe('workflow: refusals', () => {
  it('refuses an alarm that does not exist, by name (AlarmNotFound)', async () => {
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(error).toBe('AlarmNotFound');
    expect(cause).toMatchObject({ alarm: 'refusals-typo', live: 'blue' });
    expect((await env.weights()).blue).toBe(100);
  });

  it('refuses a listener rule it was not configured to switch that forwards to green (RouterStateUnknown)', async () => {
    const rule = await addRuleForwardingTo(
      env.moto.endpoint,
      env.fixture.redirectListenerArn,
      env.fixture.greenTargetGroupArn,
    );
    const { error, cause } = failure((await env.run({ action: 'cutover', version: 'v2' })).outcome);
    expect(error).toBe('RouterStateUnknown');
    expect(cause.message).toContain(rule);
    expect((await env.weights()).blue).toBe(100);
  });
});
