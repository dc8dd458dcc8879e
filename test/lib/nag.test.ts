import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BlueGreenCutover, type BlueGreenCutoverProps } from '../../lib';
import { HOOK, TRAFFIC } from '../support/traffic';

const props = {
  service: 'orders-api',
  traffic: TRAFFIC,
  alarms: ['orders-api-5xx'],
} satisfies BlueGreenCutoverProps;

interface Report {
  pluginReports: Array<{
    violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

/** Synthesizes with the AWS Solutions checks; returns the unacknowledged findings as `rule at path`. */
function findings(build: (stack: Stack) => void): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-'));
  // Bundling is exercised by the workflow scenarios; the checks read the template only.
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Nag', { env: { account: '123456789012', region: 'us-east-1' } });
  build(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return [];
  } catch (error) {
    if (!/ValidationFailed|Validation failed/.test(String(error))) throw error;
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
    return report.pluginReports.flatMap((p) =>
      p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
    );
  }
}

describe('AWS Solutions checks (cdk-nag)', () => {
  it('finds nothing unacknowledged in the construct, with and without a deploy hook', () => {
    expect(findings((stack) => new BlueGreenCutover(stack, 'Cutover', props))).toEqual([]);
    expect(
      findings(
        (stack) =>
          new BlueGreenCutover(stack, 'Cutover', {
            ...props,
            deploy: {
              type: 'lambda-hook',
              functionArn: HOOK,
            },
          }),
      ),
    ).toEqual([]);
  });

  it('still reports a wildcard grant added to one of its roles (acknowledgments are per finding)', () => {
    const found = findings((stack) => {
      const cutover = new BlueGreenCutover(stack, 'Cutover', props);
      cutover.stateMachine.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['elasticloadbalancing:*'],
          resources: [props.traffic.listenerArn],
        }),
      );
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Action::elasticloadbalancing:\*\] at Nag\/Cutover\/StateMachine\/Role/,
      ),
    ]);
  });
});
