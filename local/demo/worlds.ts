import type { OfflineOptions } from '../offline/environment';
import type { TrafficType } from '../offline/traffic';

/** What the demo shows of each router: how its world is described, and the options it runs with. */
export interface DemoWorld {
  readonly type: TrafficType;
  /** One line: the resources the demo builds in moto. */
  readonly describe: string;
  readonly options: OfflineOptions;
}

/** The routers the demo runs, in order (`npm run demo -- --traffic <type>` runs one). */
export const DEMO_WORLDS: readonly DemoWorld[] = [
  {
    type: 'alb-listener',
    describe: 'an ALB (HTTPS:443 forwarding to blue, HTTP:80 redirecting), two target groups of 2 instances',
    options: { service: 'orders-api', bakeSeconds: 4, pollSeconds: 1, initialMs: 1500 },
  },
];
