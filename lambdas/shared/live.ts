import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeListener } from './aws/elb';
import type { Color, RuntimeConfig } from './config';
import { readRouter } from './router';

/** The color live right now, for a failure's cause; 'unknown' when the router cannot be read. */
export async function currentLive(
  elb: ElasticLoadBalancingV2Client,
  config: RuntimeConfig,
): Promise<Color | 'unknown'> {
  try {
    const listener = await describeListener(elb, config.traffic.listenerArn);
    return readRouter(config, config.traffic.listenerArn, listener.DefaultActions).live;
  } catch {
    return 'unknown';
  }
}
