import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type Color, RouterStateUnknown, type RuntimeConfig } from '../contract';
import { traced } from '../observability';
import { AlbListenerRouter } from './alb-listener';
import { LambdaAliasRouter } from './lambda-alias';
import type { Router, RouterView } from './port';
import { refuseSplit } from './split';

export type { Router, RouterView, RouterWords, SideHealth } from './port';
export { refuseSplit } from './split';

/** The router of the configured traffic type: the one place that knows which adapters exist. */
export function routerFor(config: Pick<RuntimeConfig, 'traffic'>): Router {
  switch (config.traffic.type) {
    case 'alb-listener':
      elb ??= traced(new ElasticLoadBalancingV2Client({}));
      return new AlbListenerRouter(elb, config.traffic);
    case 'lambda-alias':
      lambda ??= traced(new LambdaClient({}));
      return new LambdaAliasRouter(lambda, config.traffic);
    case 'route53-weighted':
      throw new Error(`traffic.type ${config.traffic.type} has no router yet`);
  }
}

let elb: ElasticLoadBalancingV2Client | undefined;
let lambda: LambdaClient | undefined;

/** Someone else wrote the router since ResolveRoles read it: refuse to write over them. */
export function expectLive(router: Router, view: RouterView, live: Color): void {
  refuseSplit(router, view);
  if (view.live !== live) {
    throw new RouterStateUnknown(
      `the live side changed from ${live} to ${view.live} while this execution ran; someone else is writing the ${router.kind}`,
    );
  }
}
