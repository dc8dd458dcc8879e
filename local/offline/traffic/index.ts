import { albListenerFixture } from './alb-listener';
import { lambdaAliasFixture } from './lambda-alias';
import type { TrafficFixture, TrafficFixtureContext } from './types';

export type { AlbTrafficFixture } from './alb-listener';
export type { LambdaAliasTrafficFixture } from './lambda-alias';

import { route53WeightedFixture } from './route53-weighted';

export type { Route53TrafficFixture } from './route53-weighted';
export type { Side, SideWrite, TrafficFixture, TrafficFixtureContext } from './types';

export type TrafficType = TrafficFixture['type'];

/** The offline world of a router type: the one place in local/ that knows which routers exist. */
export function buildTrafficFixture(type: TrafficType, ctx: TrafficFixtureContext): Promise<TrafficFixture> {
  switch (type) {
    case 'alb-listener':
      return albListenerFixture(ctx);
    case 'lambda-alias':
      return lambdaAliasFixture(ctx);
    case 'route53-weighted':
      return route53WeightedFixture(ctx);
  }
}
