import type { DeployConfig, TrafficConfig } from './handler-contract';
import type { Grant } from './routers';

/** What the Deploy step may call for the configured deploy type, on exact ARNs. */
export function deployGrants(deploy: DeployConfig, _traffic: TrafficConfig): Grant[] {
  switch (deploy.type) {
    case 'none':
      return [];
    case 'lambda-hook':
      return [{ actions: ['lambda:InvokeFunction'], resources: [deploy.functionArn] }];
    case 'lambda-version':
      throw new Error('deploy.type lambda-version has no grants yet');
  }
}
