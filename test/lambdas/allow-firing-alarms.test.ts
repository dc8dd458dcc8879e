import { AllowedAlarms } from '../../lambdas/shared/bake';
import {
  AlarmFiring,
  AlarmNotFound,
  CutoverFailed,
  checkAllowedAlarms,
  InvalidInput,
  parseRequest,
} from '../../lambdas/shared/contract';
import { checkAlarms } from '../../lambdas/shared/gate';
import { thrown } from '../support/errors';

const cutover = { action: 'cutover', version: 'v2' } as const;

describe('allowFiringAlarms in the execution input', () => {
  it('is accepted with a reason and kept in the request', () => {
    expect(parseRequest({ ...cutover, allowFiringAlarms: ['api-5xx'], reason: 'INC-42 fix' })).toMatchObject({
      allowFiringAlarms: ['api-5xx'],
      reason: 'INC-42 fix',
    });
  });

  it.each([
    [{ ...cutover, allowFiringAlarms: ['api-5xx'] }, 'reason', /required with "allowFiringAlarms"/],
    [{ ...cutover, allowFiringAlarms: [], reason: 'r' }, 'allowFiringAlarms', /at least one alarm/],
    [{ ...cutover, allowFiringAlarms: 'api-5xx', reason: 'r' }, 'allowFiringAlarms', /array/],
    [{ ...cutover, allowFiringAlarms: ['a', 'b', 'a'], reason: 'r' }, 'allowFiringAlarms[2]', /"a" twice/],
    [{ ...cutover, allowFiringAlarms: [''], reason: 'r' }, 'allowFiringAlarms[0]', /empty/],
    [{ ...cutover, allowFiringAlarms: ['a'], reason: 'x'.repeat(1025) }, 'reason', /1024/],
    [{ action: 'rollback', allowFiringAlarms: ['a'], reason: 'r' }, 'allowFiringAlarms', /unknown key/],
  ])('refuses %j naming %s', (input, field, message) => {
    const error = thrown(() => parseRequest(input));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.details.field).toBe(field);
    expect(error.details.message).toMatch(message);
  });

  it('refuses a name that is not a configured alarm, naming it and listing the configured ones', () => {
    const error = thrown(() => checkAllowedAlarms(['api-5xx', 'api-typo'], ['api-5xx', 'api-p99']));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.details.field).toBe('allowFiringAlarms[1]');
    expect(error.details.message).toMatch(/"api-typo".*configured: "api-5xx", "api-p99"/);
    expect(() => checkAllowedAlarms(['api-p99'], ['api-5xx', 'api-p99'])).not.toThrow();
  });
});

describe('the gate with allowFiringAlarms', () => {
  const firing = (name: string) => ({ name, state: 'ALARM', windowSeconds: 60, reason: 'Threshold Crossed' });
  const allow = { alarms: ['a'], reason: 'the fix' };

  it('lets an allowed alarm be in ALARM, with a warning naming it and the reason', () => {
    const verdict = checkAlarms(['a', 'b'], [firing('a'), { name: 'b', state: 'OK' }], 600, allow);
    expect(verdict.alarms).toEqual([
      { name: 'a', state: 'ALARM' },
      { name: 'b', state: 'OK' },
    ]);
    expect(verdict.warnings.join('\n')).toMatch(/"a" is in ALARM and allowed to be.*the fix/);
  });

  it('still blocks on an alarm not in the list', () => {
    const error = thrown(() => checkAlarms(['a', 'b'], [firing('a'), firing('b')], 600, allow));
    expect(error).toBeInstanceOf(AlarmFiring);
    expect(error.details.alarm).toBe('b');
  });

  it('still refuses an allowed alarm that does not exist, or whose window the bake cannot see', () => {
    expect(() => checkAlarms(['a'], [], 600, allow)).toThrow(AlarmNotFound);
    const slow = { ...firing('a'), windowSeconds: 900 };
    expect(() => checkAlarms(['a'], [slow], 600, allow)).toThrow(CutoverFailed);
  });
});

describe('AllowedAlarms: what the bake watches', () => {
  it('ignores an allowed alarm in ALARM until a look sees it OK, then watches it', () => {
    const allowed = new AllowedAlarms(['a'], [], 'fix');
    expect(allowed.watches({ name: 'a', state: 'ALARM' })).toBe(false);
    expect(allowed.watches({ name: 'a', state: 'INSUFFICIENT_DATA' })).toBe(false);
    expect(allowed.watches({ name: 'a', state: 'ALARM' })).toBe(false);
    expect(allowed.watches({ name: 'a', state: 'OK' })).toBe(true);
    expect(allowed.watches({ name: 'a', state: 'ALARM' })).toBe(true);
    expect(allowed.watches({ name: 'other', state: 'ALARM' })).toBe(true);
  });

  it('remembers an alarm seen OK by an earlier invocation', () => {
    const allowed = new AllowedAlarms(['a'], ['a']);
    expect(allowed.watches({ name: 'a', state: 'ALARM' })).toBe(true);
    expect(allowed.warnings('bake')).toEqual([]);
  });

  it('warns at the end about an allowed alarm that never returned to OK, naming it and the reason', () => {
    const allowed = new AllowedAlarms(['a', 'b', 'c'], [], 'INC-42');
    allowed.watches({ name: 'a', state: 'ALARM' });
    allowed.watches({ name: 'b', state: 'OK' });
    allowed.watches({ name: 'c', state: 'INSUFFICIENT_DATA' });
    const warnings = allowed.warnings('bake');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /"a" was still in ALARM at the end of the bake \(allowFiringAlarms: INC-42\)/,
    );
    expect(warnings[1]).toMatch(/"c" never returned to OK.*INSUFFICIENT_DATA/);
  });
});
