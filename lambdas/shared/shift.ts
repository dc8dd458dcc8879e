import type { RuntimeConfig } from './contract';

/**
 * Gradual shifting (`traffic.shift`): the switch writes the first step's share, each step is watched
 * for `stepBakeSeconds`, then the next share is written, until the last step (100) starts the bake.
 * Without `shift` the switch is one step of 100.
 */

/** Where a release is in its shift: which step, the share written, and when. */
export interface ShiftPosition {
  /** Index into the steps. */
  readonly step: number;
  /** The share of traffic on the new side at this step. */
  readonly percent: number;
  /** When this step's share was written (ISO). */
  readonly since: string;
}

/** The shares traffic moves through; `[100]` when the router moves all at once. */
export function shiftSteps(config: Pick<RuntimeConfig, 'traffic'>): readonly number[] {
  return config.traffic.shift?.steps ?? [100];
}

/** A rollback's switch moves everything at once: it restores a side that was known good. */
export function firstShare(config: Pick<RuntimeConfig, 'traffic'>, action: 'cutover' | 'rollback'): number {
  return action === 'cutover' ? (shiftSteps(config)[0] ?? 100) : 100;
}

/** The step after `position`, or undefined at the last one. */
export function nextStep(
  config: Pick<RuntimeConfig, 'traffic'>,
  position: ShiftPosition,
): { readonly step: number; readonly percent: number } | undefined {
  const steps = shiftSteps(config);
  const step = position.step + 1;
  const percent = steps[step];
  return percent === undefined ? undefined : { step, percent };
}

/**
 * When the watch of the bake phase ends at `position`: a step before the last is held for
 * `stepBakeSeconds`; the last step starts the bake of `bakeSeconds`.
 */
export function watchEnd(
  config: Pick<RuntimeConfig, 'traffic' | 'bakeSeconds'>,
  position: ShiftPosition,
): number {
  const stepping = nextStep(config, position) !== undefined;
  const seconds = stepping ? (config.traffic.shift?.stepBakeSeconds ?? 0) : config.bakeSeconds;
  return Date.parse(position.since) + seconds * 1000;
}

/** Seconds a cutover spends in shift steps before its bake: every step but the last. */
export function shiftSeconds(
  shift: { readonly steps: readonly number[]; readonly stepBakeSeconds: number } | undefined,
): number {
  return shift ? (shift.steps.length - 1) * shift.stepBakeSeconds : 0;
}
