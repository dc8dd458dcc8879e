import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeForward, elbv2Client } from '../local/fixture';
import { OfflineEnvironment } from '../local/offline';
import type { LocalExecution } from '../local/sfn-runner';

/**
 * The figures of DESIGN.md, "Numbers": medians over several runs against the offline runner.
 * Wall-clock figures here are of this machine and the local moto server, not of AWS.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

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

  // Rollback latency: alarm set to ALARM during the bake -> the write that restores traffic.
  const slow = await OfflineEnvironment.start({
    service: 'bench-rollback',
    bakeSeconds: 60,
    initialMs: 0,
    alarms: ['bench-rollback-5xx'],
  });
  const rollback: number[] = [];
  const floor: number[] = [];
  try {
    const alarm = slow.fixture.alarmNames[0]!;
    await slow.run({ action: 'cutover', version: 'base' }).catch(() => undefined);
    for (let i = 0; i < RUNS; i += 1) {
      const target = (await slow.weights()).blue === 100 ? 'green' : 'blue';
      const previous = target === 'blue' ? 'green' : 'blue';
      const execution = slow.start({ action: 'cutover', version: `r-${i}` });
      await untilSwitched(slow, execution, target);
      await new Promise((r) => setTimeout(r, 300 + ((i * 137) % 700)));
      const firedAt = Date.now();
      await slow.setAlarm(alarm, 'ALARM');
      await execution.result;
      const write = slow.aws.routerWrites.find(
        (w) => w.at >= firedAt && w.weights[slow.targetGroupOf(previous)] === 100,
      );
      if (!write) throw new Error('no restoring router write seen');
      rollback.push(write.at - firedAt);
      await slow.setAlarm(alarm, 'OK');
    }
    // Floor: one router write of the same shape, straight to the same proxy and moto server.
    const elb = elbv2Client(slow.aws.endpoint);
    const weights = await describeForward(slow.moto.endpoint, slow.fixture.listenerArn);
    const groups = Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight }));
    for (let i = 0; i < RUNS * 4; i += 1) {
      const started = performance.now();
      await elb.send(
        new ModifyListenerCommand({
          ListenerArn: slow.fixture.listenerArn,
          DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }],
        }),
      );
      floor.push(performance.now() - started);
    }
  } finally {
    await slow.close();
  }

  // A bake polls inside one invocation for up to 50 s: each further 50 s costs one task and one choice.
  const bakeLoops = Math.ceil(600 / 50);
  const tenMinute = median(transitions) + 2 * (bakeLoops - 1);
  console.log(`runs per figure: ${RUNS}`);
  console.log(
    `alarm in ALARM -> traffic restored: median ${median(rollback).toFixed(0)} ms (runs: ${rollback.join(', ')} ms)`,
  );
  console.log(`  floor, one router write to the same server: median ${median(floor).toFixed(1)} ms`);
  console.log(
    `whole cutover, waits at zero (workflow overhead): median ${median(overhead).toFixed(0)} ms (runs: ${overhead.join(', ')} ms)`,
  );
  console.log(`state transitions, cutover with bake 0: median ${median(transitions)}`);
  console.log(
    `state transitions, cutover with a 10-minute bake and no drain: ${tenMinute} (computed: + 2 per further 50 s bake invocation)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
