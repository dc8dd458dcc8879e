import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BlueGreenServiceStack, ConfigError, loadServiceConfig, parseServiceConfig } from '../../lib';
import { TRAFFIC } from '../support/traffic';

const valid = { service: 'orders-api', traffic: TRAFFIC, alarms: ['orders-api-5xx'] };

function fieldOf(json: unknown): string {
  try {
    parseServiceConfig(json, 'service.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
  return '(accepted)';
}

describe('config file', () => {
  it('names a timing too large for a number as such, not as null', () => {
    const json = JSON.parse(
      `{"service":"orders-api","traffic":${JSON.stringify(TRAFFIC)},"bakeSeconds":1e400}`,
    );
    expect(() => parseServiceConfig(json, 'service.json')).toThrow(
      /"bakeSeconds" .*got a number out of range \(Infinity\)/,
    );
  });

  it('accepts the documented example with defaults left out', () => {
    expect(parseServiceConfig(valid, 'service.json').service).toBe('orders-api');
  });

  it.each([
    [{ ...valid, bakeSecs: 10 }, 'bakeSecs'],
    [{ ...valid, traffic: { ...valid.traffic, weight: 1 } }, 'traffic.weight'],
    [{ ...valid, bakeSeconds: '600' }, 'bakeSeconds'],
    [{ ...valid, pollSeconds: 0 }, 'pollSeconds'],
    [{ ...valid, service: undefined }, 'service'],
    [{ service: 'x' }, 'traffic'],
    [{ ...valid, traffic: { ...valid.traffic, type: 'nlb' } }, 'traffic.type'],
    [{ ...valid, traffic: { ...valid.traffic, listenerArn: 'x' } }, 'traffic.listenerArn'],
    [{ ...valid, deploy: { type: 'ecs' } }, 'deploy.type'],
    [{ ...valid, alarms: 'orders-api-5xx' }, 'alarms'],
    [{ ...valid, pollSeconds: 10, healthTimeoutSeconds: 3 }, 'pollSeconds'],
    [
      { ...valid, traffic: { ...valid.traffic, greenTargetGroupArn: valid.traffic.blueTargetGroupArn } },
      'traffic.greenTargetGroupArn',
    ],
  ])('rejects %j naming %s', (json, field) => {
    expect(fieldOf(json)).toBe(field);
  });

  const shifted = (shift: unknown) => ({ ...valid, traffic: { ...valid.traffic, shift } });
  it.each([
    [shifted({ steps: [10, 50], stepBakeSeconds: 60 }), 'traffic.shift.steps', /must end at 100/],
    [shifted({ steps: [50, 10, 100], stepBakeSeconds: 60 }), 'traffic.shift.steps', /must increase/],
    [shifted({ steps: [0, 100], stepBakeSeconds: 60 }), 'traffic.shift.steps[0]', /from 1 to 100/],
    [shifted({ steps: [10, 100] }), 'traffic.shift.stepBakeSeconds', /required|expected/],
    [shifted({ steps: [10, 100], stepBakeSeconds: 0 }), 'traffic.shift.stepBakeSeconds', /at least 1/],
  ])('rejects the shift %j naming %s', (json, field, message) => {
    expect(fieldOf(json)).toBe(field);
    expect(() => parseServiceConfig(json, 'service.json')).toThrow(message);
  });

  it('gives the state machine time for every shift step', () => {
    const timeoutOf = (json: unknown) => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new BlueGreenServiceStack(app, { config: parseServiceConfig(json, 'service.json') });
      return stack.cutover.timeout.toSeconds();
    };
    const steps = shifted({ steps: [10, 50, 100], stepBakeSeconds: 300 });
    expect(timeoutOf(steps) - timeoutOf(valid)).toBe(600);
  });

  it('names the file and the key in the message', () => {
    expect(() => parseServiceConfig({ ...valid, bakeSecs: 1 }, 'svc.json')).toThrow(
      'svc.json: unknown key "bakeSecs"',
    );
  });

  it('reports a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ "service": ');
    expect(() => loadServiceConfig(join(dir, 'bad.json'))).toThrow(/bad.json is not valid JSON/);
  });

  it('builds the stack BlueGreen-<service> with the state machine bluegreen-<service>', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new BlueGreenServiceStack(app, { config: parseServiceConfig(valid, 'service.json') });
    expect(stack.stackName).toBe('BlueGreen-orders-api');
    Template.fromStack(stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'bluegreen-orders-api',
    });
  });
});
