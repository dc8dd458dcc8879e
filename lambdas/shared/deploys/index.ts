import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { RuntimeConfig } from '../contract';
import { traced } from '../observability';
import { EcsServiceDeployer } from './ecs-service';
import { LambdaHookDeployer } from './lambda-hook';
import { LambdaVersionDeployer } from './lambda-version';
import type { Deployer } from './port';

export type { Deployer, DeployProgress, DeployRun } from './port';

let lambda: LambdaClient | undefined;
let ecs: ECSClient | undefined;

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
    case 'ecs-service':
      // The construct refuses other routers at synth: the services sit behind the ALB's target groups.
      if (traffic.type !== 'alb-listener') {
        throw new Error(`deploy.type ecs-service needs traffic.type alb-listener, not ${traffic.type}`);
      }
      ecs ??= traced(new ECSClient({}));
      return new EcsServiceDeployer(ecs, config, deploy);
  }
}
