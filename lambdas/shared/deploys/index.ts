import { LambdaClient } from '@aws-sdk/client-lambda';
import type { RuntimeConfig } from '../contract';
import { traced } from '../observability';
import { LambdaHookDeployer } from './lambda-hook';
import { LambdaVersionDeployer } from './lambda-version';
import type { Deployer } from './port';

export type { Deployer, DeployProgress, DeployRun } from './port';

let lambda: LambdaClient | undefined;

/** The deployer of the configured deploy type (none: nothing to deploy): the one place that knows them. */
export function deployerFor(config: RuntimeConfig): Deployer | undefined {
  const { deploy, traffic } = config;
  switch (deploy.type) {
    case 'none':
      return undefined;
    case 'lambda-hook':
      return new LambdaHookDeployer(config, deploy);
    case 'lambda-version':
      // The construct refuses other combinations at synth.
      if (traffic.type !== 'lambda-alias') {
        throw new Error(`deploy.type lambda-version needs traffic.type lambda-alias, not ${traffic.type}`);
      }
      lambda ??= traced(new LambdaClient({}));
      return new LambdaVersionDeployer(lambda, config, deploy, traffic);
  }
}
