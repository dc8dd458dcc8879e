import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53Client } from '@aws-sdk/client-route-53';
import { type Color, RouterStateUnknown, type RuntimeConfig } from '../contract';
import { traced } from '../observability';
import { AlbListenerRouter } from './alb-listener';
import { LambdaAliasRouter } from './lambda-alias';
import type { Router, RouterView } from './port';
import { Route53WeightedRouter } from './route53-weighted';
import { refuseSplit } from './split';

export type { InspectOptions, Router, RouterView, RouterWords, SideHealth, WriteOptions } from './port';
export { refuseSplit } from './split';

/** The SDK clients a router may use, for callers outside a step handler (the CLI) that build their own. */
export interface RouterClients {
  readonly elb: (region?: string) => ElasticLoadBalancingV2Client;
  readonly lambda: LambdaClient;
  readonly route53: Route53Client;
}

/** The router of the configured traffic type: the one place that knows which adapters exist. */
export function routerFor(config: Pick<RuntimeConfig, 'traffic'>, clients?: RouterClients): Router {
  switch (config.traffic.type) {
    case 'alb-listener':
      if (clients) return new AlbListenerRouter(clients.elb(), config.traffic);
      elb ??= traced(new ElasticLoadBalancingV2Client({}));
      return new AlbListenerRouter(elb, config.traffic);
    case 'lambda-alias':
      if (clients) return new LambdaAliasRouter(clients.lambda, config.traffic);
      lambda ??= traced(new LambdaClient({}));
      return new LambdaAliasRouter(lambda, config.traffic);
    case 'route53-weighted':
      if (clients)
        return new Route53WeightedRouter(clients.route53, (r) => clients.elb(r || undefined), config.traffic);
      route53 ??= traced(new Route53Client({}));
      return new Route53WeightedRouter(route53, elbOf, config.traffic);
  }
}

let elb: ElasticLoadBalancingV2Client | undefined;
let lambda: LambdaClient | undefined;
let route53: Route53Client | undefined;
const elbByRegion = new Map<string, ElasticLoadBalancingV2Client>();

/** An ELB client per region: a Route 53 side's target group may live in any region. */
function elbOf(region: string): ElasticLoadBalancingV2Client {
  let client = elbByRegion.get(region);
  if (!client) {
    client = traced(new ElasticLoadBalancingV2Client(region ? { region } : {}));
    elbByRegion.set(region, client);
  }
  return client;
}

/** Someone else wrote the router since ResolveRoles read it: refuse to write over them. */
export function expectLive(router: Router, view: RouterView, live: Color): void {
  refuseSplit(router, view);
  if (view.live !== live) {
    throw new RouterStateUnknown(
      `the live side changed from ${live} to ${view.live} while this execution ran; someone else is writing the ${router.kind}`,
    );
  }
}
