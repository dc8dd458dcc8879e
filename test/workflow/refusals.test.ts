import { addRuleForwardingTo } from '../../local/fixture';
import { OfflineEnvironment } from '../../local/offline';
import { expectNoUnhealthyWrites, failure } from './support';

let env: OfflineEnvironment;

beforeAll(async () => {
  env = await OfflineEnvironment.start({
    service: 'refusals',
    bakeSeconds: 2,
    healthTimeoutSeconds: 5,
    extraConfiguredAlarms: ['refusals-typo'],
  });
}, 180_000);

afterAll(async () => {
  await env?.close();
});

afterEach(() => expectNoUnhealthyWrites(env));

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
