import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeListener, describeTargetHealth, writeForward } from './aws/elb';
import type { Color, RuntimeConfig } from './config';
import { targetGroupOf } from './config';
import { BlueGreenError } from './errors';
import { readRouter, summarizeHealth, weightsFor } from './router';

export type RestoreResult =
  | { readonly restored: true; readonly at: string; readonly alreadyThere: boolean }
  | { readonly restored: false; readonly why: string };

/**
 * Puts all traffic back on `previous`: the rollback's one router write. It reads the previous side's
 * health first and refuses to send traffic to a side that is not fully healthy; it changes nothing
 * when traffic is already there, so every caller may run it again.
 */
export async function restoreTraffic(
  elb: ElasticLoadBalancingV2Client,
  config: RuntimeConfig,
  previous: Color,
): Promise<RestoreResult> {
  const listener = await describeListener(elb, config.traffic.listenerArn);
  let live: Color;
  try {
    live = readRouter(config, config.traffic.listenerArn, listener.DefaultActions).live;
  } catch (error) {
    return { restored: false, why: error instanceof BlueGreenError ? error.details.message : String(error) };
  }
  if (live === previous) return { restored: true, at: new Date().toISOString(), alreadyThere: true };
  const health = summarizeHealth(previous, await describeTargetHealth(elb, targetGroupOf(config, previous)));
  if (!health.healthy) {
    return {
      restored: false,
      why: `${previous} is not fully healthy, so traffic was left on ${live}: ${health.summary}`,
    };
  }
  await writeForward(elb, listener, weightsFor(config, previous));
  return { restored: true, at: new Date().toISOString(), alreadyThere: false };
}

/**
 * restoreTraffic for the callers that must report rather than throw (Rollback, the cleanup of a
 * stopped execution): an AWS error reading or writing the listener becomes a failed restore, so the
 * failure is recorded, counted and explained instead of ending in a bare crash.
 */
export async function restoreOrExplain(
  elb: ElasticLoadBalancingV2Client,
  config: RuntimeConfig,
  previous: Color,
): Promise<RestoreResult> {
  try {
    return await restoreTraffic(elb, config, previous);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return { restored: false, why: `the listener could not be read or written (${e.name}: ${e.message})` };
  }
}
