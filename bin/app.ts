#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addReleasePipeline } from '../lib/pipeline-stack';
import { ConfigError, loadServiceConfig } from '../lib/service-config';
import { BlueGreenServiceStack } from '../lib/service-stack';
import { BlueGreenCutoverPropsError } from '../lib/validate-props';

const app = new App();
const configPath: unknown = app.node.tryGetContext('config');
if (typeof configPath !== 'string' || configPath === '') {
  console.error('Pass the service config file: npx cdk synth -c config=path/to/service.json');
  process.exit(1);
}
try {
  const config = loadServiceConfig(configPath);
  const { cutover } = new BlueGreenServiceStack(app, { config });
  // An example pipeline whose last stage is the release (off by default): -c pipeline=true
  addReleasePipeline(app, config.service, cutover.stateMachine);
} catch (error) {
  // A config file that passes its schema can still be refused by the construct (e.g. too many alarms).
  if (error instanceof ConfigError || error instanceof BlueGreenCutoverPropsError) {
    console.error(`Invalid config: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
