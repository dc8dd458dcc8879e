import type { ExecutionOutcome, LocalExecution } from '../execution/types';
import { OfflineEnvironment } from '../offline/environment';
import { formatTimeline, timeline } from './timeline';
import { DEMO_WORLDS, type DemoWorld } from './worlds';

/**
 * The offline demo, for each router: its world in moto, the synthesized state machine, and four
 * executions: a release, a release that an alarm rolls back by itself, a release that sticks, and a
 * rollback started the way an operator would from the console. Exits non-zero if anything is not as
 * expected.
 */
const failures: string[] = [];

function expect(what: string, ok: boolean, detail = ''): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures.push(what);
}

function describeOutcome(outcome: ExecutionOutcome): string {
  if (outcome.status === 'SUCCEEDED') return `SUCCEEDED ${JSON.stringify(outcome.output)}`;
  if (outcome.status === 'FAILED') return `FAILED ${outcome.error} ${outcome.cause}`;
  return outcome.status;
}

/** One router's demo: four executions, each with its timeline and the checks a user would make. */
async function runWorld(world: DemoWorld): Promise<void> {
  const t0 = Date.now();
  console.log(`=== ${world.type}: ${world.describe}`);
  console.log('Preparing: moto server, the world above, synth of the app...');
  const env = await OfflineEnvironment.start({ ...world.options, traffic: world.type });
  const alarm = env.router.alarmNames[0]!;
  const router = env.router.type;
  console.log(
    `Ready in ${Date.now() - t0} ms. State machine bluegreen-${env.config.service}, alarms ${env.router.alarmNames.join(', ')}.\n`,
  );

  const show = (title: string, execution: LocalExecution, outcome: ExecutionOutcome) => {
    console.log(`${title}\n${formatTimeline(timeline(execution, env.router.writes()))}`);
    console.log(`  => ${describeOutcome(outcome)}`);
    console.log(`  (${execution.transitions()} state transitions)`);
  };
  const check = (what: string, ok: boolean, detail = '') => expect(`${router}: ${what}`, ok, detail);
  const cutover = async (version: string) => world.beforeCutover?.(env, version);

  try {
    // 1. A release: blue -> green.
    await cutover('v2');
    const first = await env.run({ action: 'cutover', version: 'v2' });
    show('1. {"action":"cutover","version":"v2"}', first.execution, first.outcome);
    check(
      'v2 is live on green',
      first.outcome.status === 'SUCCEEDED' && (first.outcome.output as { live?: string }).live === 'green',
    );
    const w1 = await env.weights();
    check(
      'all traffic on green, blue kept at weight 0',
      w1.green === 100 && w1.blue === 0,
      JSON.stringify(w1),
    );

    // 2. A release that an alarm rolls back: green -> blue, alarm fires during the bake.
    await cutover('v3');
    const second = env.start({ action: 'cutover', version: 'v3' });
    while ((await env.weights()).blue !== 100) {
      if (second.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 800));
    const firedAt = Date.now();
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed: 5xx rate 7.1% > 1%');
    const outcome2 = await second.result;
    const restore = env.router.writes().find((w) => w.at >= firedAt && w.accepted && w.weights.green === 100);
    show(
      `2. {"action":"cutover","version":"v3"}, alarm "${alarm}" set to ALARM during the bake`,
      second,
      outcome2,
    );
    check('v3 failed with RolledBack', outcome2.status === 'FAILED' && outcome2.error === 'RolledBack');
    check(
      'the cause names the alarm and says green is live',
      outcome2.status === 'FAILED' && /"alarm":"[^"]+".*"live":"green"/.test(outcome2.cause),
    );
    check(
      'traffic restored within 2 s of the alarm',
      restore !== undefined && restore.at - firedAt < 2000,
      restore ? `${restore.at - firedAt} ms` : 'no restoring write',
    );
    await env.setAlarm(alarm, 'OK', 'recovered');

    // 3. A release that sticks: green -> blue.
    if (world.drainSeconds) {
      // Blue lost its traffic at the restore; resolvers may still send it requests for the TTL.
      console.log(`   (waiting ${world.drainSeconds} s: blue's drain after the restore, the records' TTL)`);
      await new Promise((r) => setTimeout(r, world.drainSeconds! * 1000 + 200));
    }
    await cutover('v4');
    const third = await env.run({ action: 'cutover', version: 'v4', schemaChange: 'expand' });
    show('3. {"action":"cutover","version":"v4","schemaChange":"expand"}', third.execution, third.outcome);
    check(
      'v4 is live on blue',
      third.outcome.status === 'SUCCEEDED' && (third.outcome.output as { live?: string }).live === 'blue',
    );

    // 4. An operator rolls back from the console.
    const fourth = await env.run({ action: 'rollback', reason: 'p99 latency after release' });
    show('4. {"action":"rollback","reason":"p99 latency after release"}', fourth.execution, fourth.outcome);
    const out4 =
      fourth.outcome.status === 'SUCCEEDED'
        ? (fourth.outcome.output as { live?: string; version?: string })
        : {};
    check(
      'traffic is back on green, running v2',
      out4.live === 'green' && out4.version === 'v2',
      JSON.stringify(out4),
    );
    const w4 = await env.weights();
    check('green 100, blue 0 (blue stays warm)', w4.green === 100 && w4.blue === 0, JSON.stringify(w4));

    check(
      'no router write ever gave weight to a side that was not fully healthy',
      env.violations.length === 0,
      env.violations.join('; '),
    );
  } finally {
    await env.close();
  }
  console.log(`${router} done in ${Date.now() - t0} ms.\n`);
}

/** `--traffic <type>` picks one router; without it every router runs in turn. */
function chosenWorlds(argv: readonly string[]): readonly DemoWorld[] {
  const at = argv.indexOf('--traffic');
  if (at < 0) return DEMO_WORLDS;
  const type = argv[at + 1];
  const world = DEMO_WORLDS.find((w) => w.type === type);
  if (!world) {
    throw new Error(
      `--traffic must be one of ${DEMO_WORLDS.map((w) => w.type).join(', ')}; got ${type === undefined ? 'nothing' : JSON.stringify(type)}`,
    );
  }
  return [world];
}

async function main(): Promise<void> {
  const t0 = Date.now();
  for (const world of chosenWorlds(process.argv.slice(2))) await runWorld(world);
  console.log(
    `${failures.length === 0 ? 'All expectations met' : `${failures.length} expectation(s) failed`} in ${Date.now() - t0} ms.`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
