import { BlueGreenError, type Color } from './contract';
import type { Router, RouterView } from './routers';

export type RestoreResult =
  | { readonly restored: true; readonly at: string; readonly alreadyThere: boolean }
  | { readonly restored: false; readonly why: string };

/**
 * Puts all traffic back on `previous`: the rollback's one router write. It reads the previous side's
 * health first and refuses to send traffic to a side that is not fully healthy; it changes nothing
 * when traffic is already there, so every caller may run it again.
 */
export async function restoreTraffic(router: Router, previous: Color): Promise<RestoreResult> {
  let view: RouterView;
  try {
    view = await router.read();
  } catch (error) {
    if (!(error instanceof BlueGreenError)) throw error;
    return { restored: false, why: error.details.message };
  }
  const { live } = view;
  if (live === previous && !view.split)
    return { restored: true, at: new Date().toISOString(), alreadyThere: true };
  const health = await router.sideHealth(previous);
  if (!health.healthy) {
    return {
      restored: false,
      why: `${previous} is not fully healthy, so traffic was left on ${live}: ${health.summary}`,
    };
  }
  await router.write(previous);
  return { restored: true, at: new Date().toISOString(), alreadyThere: false };
}

/**
 * restoreTraffic for the callers that must report rather than throw (Rollback, the cleanup of a
 * stopped execution): an AWS error reading or writing the router becomes a failed restore, so the
 * failure is recorded, counted and explained instead of ending in a bare crash.
 */
export async function restoreOrExplain(router: Router, previous: Color): Promise<RestoreResult> {
  try {
    return await restoreTraffic(router, previous);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      restored: false,
      why: `the ${router.kind} could not be read or written (${e.name}: ${e.message})`,
    };
  }
}

/** The color live right now, for a failure's cause; 'unknown' when the router cannot be read. */
export async function currentLive(router: Router): Promise<Color | 'unknown'> {
  try {
    return (await router.read()).live;
  } catch {
    return 'unknown';
  }
}
