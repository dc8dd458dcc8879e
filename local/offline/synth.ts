import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ACCOUNT, REGION } from '../common/account';
import { BlueGreenServiceStack, type ServiceConfig } from './product';

const PROJECT_DIR = join(__dirname, '..', '..');

/** Synthesizes the app for one config into a fresh cloud assembly, as `cdk synth -c config=...` would. */
export function synthesize(config: ServiceConfig): CloudAssembly {
  const base = join(PROJECT_DIR, '.cache');
  mkdirSync(base, { recursive: true });
  const outdir = mkdtempSync(join(base, 'cdk.out-'));
  // The built-in CloudFormation validation costs ~3 s a synth; the CDK assertion tests keep it on.
  const app = new App({ outdir, builtinCloudFormationValidation: false } as ConstructorParameters<
    typeof App
  >[0]);
  new BlueGreenServiceStack(app, { config, env: { account: ACCOUNT, region: REGION } });
  return app.synth();
}
