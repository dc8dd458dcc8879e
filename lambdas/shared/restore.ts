import { isTransient } from './aws/transient';
import { BlueGreenError, type Color, otherColor } from './contract';
import type { Router, RouterView, SideHealth } from './routers';

export type RestoreResult =
  | {
      readonly restored: true;
      readonly at: string;
      readonly alreadyThere: boolean;
      /** Set when the side restored has fewer healthy targets than the side it took traffic from. */
      readonly capacity?: string;
      /** What the restoring write changed beyond the weights, for the operator (ALB stickiness turned off). */
      readonly note?: string;
    }
  | { readonly restored: false; readonly why: string };

/**
 * During a bake the old side takes no traffic, and target tracking may scale it in: a restore then
 * sends everything to a smaller fleet. It still restores (the new side is the problem), and says so.
 */
export function capacityNote(
  restored: SideHealth,
  left: SideHealth | undefined,
  previous: Color,
): string | undefined {
  if (!left || restored.healthyCount >= left.healthyCount) return undefined;
  const other = otherColor(previous);
  return `${previous} took all traffic back with ${restored.healthyCount} healthy target${restored.healthyCount === 1 ? '' : 's'} where ${other} had ${left.healthyCount} (it may have been scaled in while it had no traffic): scale ${previous} up`;
}

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
  // The side traffic leaves is read only for the capacity note: its failure must not stop the restore.
  const [health, left] = await Promise.all([
    router.sideHealth(previous),
    router.sideHealth(otherColor(previous)).catch(() => undefined),
  ]);
  if (!health.healthy) {
    return {
      restored: false,
      why: `${previous} is not fully healthy, so traffic was left on ${live}: ${health.summary}`,
    };
  }
  const note = await router.write(previous, 100, { restore: true });
  const capacity = capacityNote(health, left, previous);
  return {
    restored: true,
    at: new Date().toISOString(),
    alreadyThere: false,
    ...(capacity ? { capacity } : {}),
    ...(note ? { note } : {}),
  };
}

/** Waits before each further try of a restore that hit a transient AWS error (throttling, 5xx, a reset). */
export const RESTORE_RETRY_DELAYS_MS = [1000, 2000, 4000] as const;

/**
 * restoreTraffic for the callers that must report rather than throw (Rollback, the cleanup of a
 * stopped execution): an AWS error reading or writing the router becomes a failed restore, so the
 * failure is recorded, counted and explained instead of ending in a bare crash. A transient error
 * is first tried again in place: giving up on a few seconds of throttling would leave traffic on the
 * side being rolled back from, and neither caller is retried once it has explained.
 */
export async function restoreOrExplain(
  router: Router,
  previous: Color,
  delaysMs: readonly number[] = RESTORE_RETRY_DELAYS_MS,
): Promise<RestoreResult> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await restoreTraffic(router, previous);
    } catch (error) {
      const delay = delaysMs[attempt];
      if (isTransient(error) && delay !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        restored: false,
        why: `the ${router.kind} could not be read or written (${e.name}: ${e.message})`,
      };
    }
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
