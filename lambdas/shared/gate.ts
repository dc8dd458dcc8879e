import { AlarmFiring, AlarmNotFound, COLORS, type Color, CutoverFailed } from './contract';

/** A metric alarm as the gate and the bake judge it. */
export interface AlarmView {
  readonly name: string;
  readonly state: string;
  readonly reason?: string;
  /** Seconds of data the alarm looks at before it can go to ALARM: period x evaluation periods. */
  readonly windowSeconds?: number;
  /** Seconds of one period: how late its last datapoint may arrive (ALB metrics come about a minute late). */
  readonly periodSeconds?: number;
  /** The dimensions of its metric (or metrics). */
  readonly dimensions?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/**
 * An alarm on one side's target group (`TargetGroup` dimension) sees that side only: after the
 * switch it watches a side with no traffic and can no longer fire for the release. Warned, not
 * refused, since a per-side alarm may be meant that way.
 */
export function oneSidedAlarms(
  alarms: readonly AlarmView[],
  sides: Readonly<Record<Color, string>>,
): string[] {
  const warnings: string[] = [];
  for (const alarm of alarms) {
    const groups = (alarm.dimensions ?? []).filter((d) => d.name === 'TargetGroup').map((d) => d.value);
    const watched = COLORS.filter((color) => groups.some((group) => sides[color].endsWith(`:${group}`)));
    if (watched.length === 1) {
      const [color] = watched;
      warnings.push(
        `alarm "${alarm.name}" watches only ${color}'s target group: while ${color} takes no traffic it cannot fire; watch the load balancer or both groups`,
      );
    }
  }
  return warnings;
}

export interface AlarmVerdict {
  readonly warnings: string[];
  readonly alarms: Array<{ name: string; state: string }>;
}

/**
 * The alarm gate before a switch. A missing alarm would mean no protection, so it is refused by
 * name; an alarm in ALARM blocks; INSUFFICIENT_DATA is reported; and a bake shorter than an alarm's
 * evaluation window could never see that alarm fire, so it is refused too.
 */
export function checkAlarms(
  configured: readonly string[],
  found: readonly AlarmView[],
  bakeSeconds: number,
  allowFiring: { readonly alarms: readonly string[]; readonly reason?: string } = { alarms: [] },
): AlarmVerdict {
  const byName = new Map(found.map((a) => [a.name, a]));
  for (const name of configured) {
    if (!byName.has(name)) {
      throw new AlarmNotFound(
        `alarm "${name}" does not exist as a metric alarm in this account and region (DescribeAlarms does not return it; composite alarms are not supported yet); create it or remove it from "alarms"`,
        name,
      );
    }
  }
  const warnings: string[] = [];
  for (const name of configured) {
    const alarm = byName.get(name)!;
    if (alarm.state === 'ALARM' && allowFiring.alarms.includes(name)) {
      // The release is the fix for it: it does not block, and the bake watches it once it is OK again.
      warnings.push(
        `alarm "${name}" is in ALARM and allowed to be (allowFiringAlarms${allowFiring.reason ? `: ${allowFiring.reason}` : ''}); the bake watches it once it is OK again`,
      );
    } else if (alarm.state === 'ALARM') {
      throw new AlarmFiring(
        `alarm "${name}" is in ALARM before the switch${alarm.reason ? `: ${alarm.reason}` : ''}`,
        name,
      );
    }
    if (alarm.state === 'INSUFFICIENT_DATA') {
      warnings.push(`alarm "${name}" has INSUFFICIENT_DATA: it cannot fire until its metric has data`);
    }
    // A datapoint is published after its period closes, so the bake must outlast the window by one
    // more period to see the last one.
    const needs =
      alarm.windowSeconds === undefined ? undefined : alarm.windowSeconds + (alarm.periodSeconds ?? 0);
    if (needs !== undefined && needs > bakeSeconds) {
      throw new CutoverFailed(
        `alarm "${name}" needs ${alarm.windowSeconds} s of data (period x evaluation periods) plus one period (${alarm.periodSeconds ?? 0} s) for its last datapoint to arrive, ${needs} s in all, longer than bakeSeconds (${bakeSeconds} s): the bake could not see it fire; raise bakeSeconds or shorten the alarm's window`,
        { alarm: name, field: 'bakeSeconds' },
      );
    }
  }
  return { warnings, alarms: configured.map((name) => ({ name, state: byName.get(name)!.state })) };
}

/** The idle side must be able to take the live side's load: at least as many healthy targets. */
export function parityProblem(
  idle: string,
  idleHealthy: number,
  live: string,
  liveHealthy: number,
): string | undefined {
  if (idleHealthy >= liveHealthy) return undefined;
  return `capacity parity: ${idle} has ${idleHealthy} healthy target${idleHealthy === 1 ? '' : 's'}, ${live} has ${liveHealthy}; scale ${idle} up before the switch`;
}
