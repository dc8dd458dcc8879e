import { type LocalExecution, OfflineEnvironment, type TrafficType } from '../local';
import { DEMO_WORLDS } from '../local/demo/worlds';

/**
 * The figures of DESIGN.md, "Numbers": medians over several runs against the offline runner.
 * Wall-clock figures here are of this machine and the local moto server, not of AWS.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Long-bake runs take 600 s / CLOCK_RATE of real time each (plus the drain). */
const LONG_RUNS = Number(process.env.BENCH_LONG_RUNS ?? 3);
const CLOCK_RATE = 40;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function untilSwitched(
  env: OfflineEnvironment,
  execution: LocalExecution,
  target: 'blue' | 'green',
): Promise<void> {
  while ((await env.weights())[target] !== 100) {
    if (execution.status !== 'RUNNING')
      throw new Error(`execution ended before the switch: ${JSON.stringify(await execution.result)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Alarm -> restoring write, RUNS times, and the floor: one router write of the same shape. */
async function rollbackLatency(type: TrafficType): Promise<{ rollback: number[]; floor: number[] }> {
  const world = DEMO_WORLDS.find((w) => w.type === type);
  if (!world) throw new Error(`no demo world for ${type}`);
  // The demo's world (its names, its deploy), with a bake long enough to fire an alarm in.
  const env = await OfflineEnvironment.start({
    ...world.options,
    traffic: type,
    bakeSeconds: 60,
    initialMs: 0,
  });
  const rollback: number[] = [];
  const floor: number[] = [];
  try {
    const alarm = env.router.alarmNames[0]!;
    await world.beforeCutover?.(env, 'base');
    await env.run({ action: 'cutover', version: 'base' }).catch(() => undefined);
    for (let i = 0; i < RUNS; i += 1) {
      const target = (await env.weights()).blue === 100 ? 'green' : 'blue';
      const previous = target === 'blue' ? 'green' : 'blue';
      // The side that last lost its traffic drains first (a DNS TTL), as in the demo.
      if (world.drainSeconds) await new Promise((r) => setTimeout(r, world.drainSeconds! * 1000 + 200));
      await world.beforeCutover?.(env, `r-${i}`);
      const execution = env.start({ action: 'cutover', version: `r-${i}` });
      await untilSwitched(env, execution, target);
      await new Promise((r) => setTimeout(r, 300 + ((i * 137) % 700)));
      const firedAt = Date.now();
      await env.setAlarm(alarm, 'ALARM');
      await execution.result;
      const write = env.router
        .writes()
        .find((w) => w.at >= firedAt && w.accepted && w.weights[previous] === 100);
      if (!write) throw new Error(`${type}: no restoring router write seen`);
      rollback.push(write.at - firedAt);
      await env.setAlarm(alarm, 'OK');
    }
    for (let i = 0; i < RUNS * 4; i += 1) {
      const started = performance.now();
      await env.router.writeAsIs();
      floor.push(performance.now() - started);
    }
  } finally {
    await env.close();
  }
  return { rollback, floor };
}

async function main(): Promise<void> {
  // Overhead: every wait at zero (bake 0, drain 0, targets healthy at once). No alarms: a 0 s bake
  // cannot watch one, and the gate refuses that.
  const fast = await OfflineEnvironment.start({
    service: 'bench-fast',
    bakeSeconds: 0,
    initialMs: 0,
    alarms: [],
  });
  const overhead: number[] = [];
  const transitions: number[] = [];
  try {
    await fast.run({ action: 'cutover', version: 'warm-up' });
    for (let i = 0; i < RUNS; i += 1) {
      const started = Date.now();
      const { outcome, execution } = await fast.run({ action: 'cutover', version: `fast-${i}` });
      if (outcome.status !== 'SUCCEEDED') throw new Error(`cutover failed: ${JSON.stringify(outcome)}`);
      overhead.push(Date.now() - started);
      transitions.push(execution.transitions());
    }
  } finally {
    await fast.close();
  }

  // Rollback latency, per router: alarm set to ALARM during the bake -> the write that restores traffic.
  const perRouter: Array<{ type: string; rollback: number[]; floor: number[] }> = [];
  for (const world of DEMO_WORLDS) {
    perRouter.push({ type: world.type, ...(await rollbackLatency(world.type)) });
  }

  // Transitions of a whole cutover with a 10-minute bake, measured on a virtual clock: the handlers
  // run CLOCK_RATE times faster than real time, so the bake's polling loop runs as it would for 600 s.
  const longBake: Record<string, number[]> = {};
  for (const drain of [0, 300]) {
    const env = await OfflineEnvironment.start({
      service: `bench-bake-${drain}`,
      bakeSeconds: 600,
      pollSeconds: 5,
      healthTimeoutSeconds: 600,
      deregistrationDelaySeconds: drain,
      initialMs: 0,
      clockRate: CLOCK_RATE,
    });
    const counts: number[] = [];
    try {
      for (let i = 0; i < LONG_RUNS; i += 1) {
        const { outcome, execution } = await env.run({ action: 'cutover', version: `long-${i}` });
        if (outcome.status !== 'SUCCEEDED') throw new Error(`cutover failed: ${JSON.stringify(outcome)}`);
        counts.push(execution.transitions());
      }
    } finally {
      await env.close();
    }
    longBake[`drain ${drain} s`] = counts;
  }

  console.log(`runs per figure: ${RUNS}`);
  for (const { type, rollback, floor } of perRouter) {
    console.log(
      `${type}: alarm in ALARM -> traffic restored: median ${median(rollback).toFixed(0)} ms (runs: ${rollback.join(', ')} ms)`,
    );
    console.log(
      `${type}:   floor, one router write to the same server: median ${median(floor).toFixed(1)} ms`,
    );
  }
  console.log(
    `whole cutover, waits at zero (workflow overhead): median ${median(overhead).toFixed(0)} ms (runs: ${overhead.join(', ')} ms)`,
  );
  console.log(`state transitions, cutover with bake 0: median ${median(transitions)}`);
  for (const [drain, counts] of Object.entries(longBake)) {
    console.log(
      `state transitions, cutover with a 10-minute bake, ${drain}: median ${median(counts)} (runs: ${counts.join(', ')}; handlers on a ${CLOCK_RATE}x clock)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
