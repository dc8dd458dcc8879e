import { type Color, RouterStateUnknown } from '../contract';
import type { Router, RouterView } from './port';

/** The message for a split where the workflow needs one side live, for every router. */
export function splitMessage(router: string, described: string): string {
  return `${router} splits traffic between both sides (${described}); this workflow only makes all-or-nothing weights: restore one side to 100 by hand, then retry`;
}

/** A release starts, and an attach writes, only from one side holding all traffic. */
export function refuseSplit(router: Router, view: RouterView): void {
  if (!view.split) return;
  const shares = (['blue', 'green'] as const satisfies readonly Color[])
    .map((c) => `${c}=${view.split?.[c]}%`)
    .join(', ');
  throw new RouterStateUnknown(splitMessage(router.name, shares));
}
