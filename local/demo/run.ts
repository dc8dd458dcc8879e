import type { ExecutionOutcome, LocalExecution } from '../execution/types';
import { OfflineEnvironment } from '../offline/environment';
import { formatTimeline, timeline } from './timeline';

/**
 * The offline demo: a realistic ALB in moto, the synthesized state machine, and four executions:
 * a release, a release that an alarm rolls back by itself, a release that sticks, and a rollback
 * started the way an operator would from the console. Exits non-zero if anything is not as expected.
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

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(
    'Preparing: moto server, ALB fixture (HTTPS:443 forward to blue, HTTP:80 redirect), synth of the app...',
  );
  const env = await OfflineEnvironment.start({ bakeSeconds: 4, pollSeconds: 1, initialMs: 1500 });
  const alarm = env.fixture.alarmNames[0]!;
  const colorOf = (arn: string) =>
    arn === env.fixture.blueTargetGroupArn ? 'blue' : arn === env.fixture.greenTargetGroupArn ? 'green' : arn;
  console.log(
    `Ready in ${Date.now() - t0} ms. State machine bluegreen-${env.config.service}, alarms ${env.fixture.alarmNames.join(', ')}.\n`,
  );

  const show = (title: string, execution: LocalExecution, outcome: ExecutionOutcome) => {
    console.log(`${title}\n${formatTimeline(timeline(execution, env.aws.routerWrites, colorOf))}`);
    console.log(`  => ${describeOutcome(outcome)}`);
    console.log(`  (${execution.transitions()} state transitions)`);
  };

  try {
    // 1. A release: blue -> green.
    const first = await env.run({ action: 'cutover', version: 'v2' });
    show('1. {"action":"cutover","version":"v2"}', first.execution, first.outcome);
    expect(
      'v2 is live on green',
      first.outcome.status === 'SUCCEEDED' && (first.outcome.output as { live?: string }).live === 'green',
    );
    const w1 = await env.weights();
    expect(
      'listener sends all traffic to green, blue kept at weight 0',
      w1.green === 100 && w1.blue === 0,
      JSON.stringify(w1),
    );

    // 2. A release that an alarm rolls back: green -> blue, alarm fires during the bake.
    const second = env.start({ action: 'cutover', version: 'v3' });
    while ((await env.weights()).blue !== 100) {
      if (second.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 800));
    const firedAt = Date.now();
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed: 5xx rate 7.1% > 1%');
    const outcome2 = await second.result;
    const restore = env.aws.routerWrites.find(
      (w) => w.at >= firedAt && w.weights[env.fixture.greenTargetGroupArn] === 100,
    );
    show(
      `2. {"action":"cutover","version":"v3"}, alarm "${alarm}" set to ALARM during the bake`,
      second,
      outcome2,
    );
    expect('v3 failed with RolledBack', outcome2.status === 'FAILED' && outcome2.error === 'RolledBack');
    expect(
      'the cause names the alarm and says green is live',
      outcome2.status === 'FAILED' && /"alarm":"[^"]+".*"live":"green"/.test(outcome2.cause),
    );
    expect(
      'traffic restored within 2 s of the alarm',
      restore !== undefined && restore.at - firedAt < 2000,
      restore ? `${restore.at - firedAt} ms` : 'no restoring write',
    );
    await env.setAlarm(alarm, 'OK', 'recovered');

    // 3. A release that sticks: green -> blue.
    const third = await env.run({ action: 'cutover', version: 'v4', schemaChange: 'expand' });
    show('3. {"action":"cutover","version":"v4","schemaChange":"expand"}', third.execution, third.outcome);
    expect(
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
    expect(
      'traffic is back on green, running v2',
      out4.live === 'green' && out4.version === 'v2',
      JSON.stringify(out4),
    );
    const w4 = await env.weights();
    expect(
      'listener: green 100, blue 0 (blue stays warm)',
      w4.green === 100 && w4.blue === 0,
      JSON.stringify(w4),
    );

    expect(
      'no router write ever gave weight to a side that was not fully healthy',
      env.aws.violations.length === 0,
      env.aws.violations.join('; '),
    );
  } finally {
    await env.close();
  }
  console.log(
    `\n${failures.length === 0 ? 'All expectations met' : `${failures.length} expectation(s) failed`} in ${Date.now() - t0} ms.`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
