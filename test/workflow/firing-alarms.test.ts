import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { FAKE_CREDENTIALS, REGION } from '../../local/common/account';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

const env = useOfflineEnvironment(
  {
    service: 'allow-firing',
    bakeSeconds: 10,
    healthTimeoutSeconds: 10,
    initialMs: 1000,
  },
  async (ready) => {
    output((await ready.run({ action: 'cutover', version: 'v1' })).outcome);
  },
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The release record of an execution, as the history table holds it. */
async function recordOf(executionArn: string): Promise<Record<string, unknown> | undefined> {
  const client = new DynamoDBClient({
    region: REGION,
    endpoint: env.moto.endpoint,
    credentials: FAKE_CREDENTIALS,
  });
  try {
    for (const table of (await client.send(new ListTablesCommand({}))).TableNames ?? []) {
      const items = (await client.send(new ScanCommand({ TableName: table }))).Items ?? [];
      const found = items.map((item) => unmarshall(item)).find((r) => r.executionArn === executionArn);
      if (found) return found;
    }
    return undefined;
  } finally {
    client.destroy();
  }
}

describe('workflow: shipping a fix under a firing alarm (allowFiringAlarms)', () => {
  const fiveXx = () => env.fixture.alarmNames[0]!;
  const p99 = () => env.fixture.alarmNames[1]!;
  const reason = 'v2 fixes the 5xx spike (INC-42)';

  afterEach(async () => {
    await env.setAlarm(fiveXx(), 'OK');
    await env.setAlarm(p99(), 'OK');
  });

  it('refuses a name that is not a configured alarm (InvalidInput), nothing changes', async () => {
    const before = await env.weights();
    const { error, cause } = failure(
      (
        await env.run({
          action: 'cutover',
          version: 'v2',
          allowFiringAlarms: [fiveXx(), 'allow-firing-typo'],
          reason,
        })
      ).outcome,
    );
    expect(error).toBe('InvalidInput');
    expect(cause.field).toBe('allowFiringAlarms[1]');
    expect(cause.message).toContain('"allow-firing-typo"');
    expect(cause.message).toContain(`"${fiveXx()}"`);
    expect(await env.weights()).toEqual(before);
  });

  it('an alarm not in the list still blocks with AlarmFiring', async () => {
    const before = await env.weights();
    await env.setAlarm(fiveXx(), 'ALARM', 'the bug');
    await env.setAlarm(p99(), 'ALARM', 'Threshold Crossed');
    const { error, cause } = failure(
      (await env.run({ action: 'cutover', version: 'v2', allowFiringAlarms: [fiveXx()], reason })).outcome,
    );
    expect(error).toBe('AlarmFiring');
    expect(cause.alarm).toBe(p99());
    expect(await env.weights()).toEqual(before);
  });

  it('ships the fix while the alarm fires; still in ALARM at the end: SUCCEEDED with a warning, recorded', async () => {
    const before = await env.weights();
    const target = before.blue === 100 ? 'green' : 'blue';
    await env.setAlarm(fiveXx(), 'ALARM', 'the bug');
    const execution = env.start({
      action: 'cutover',
      version: 'v2-fix',
      allowFiringAlarms: [fiveXx()],
      reason,
    });
    const result = output(await execution.result);
    expect(result).toMatchObject({ live: target, version: 'v2-fix' });
    const warnings = result.warnings as string[];
    expect(warnings.some((w) => w.includes(`"${fiveXx()}"`) && /still in ALARM at the end/.test(w))).toBe(
      true,
    );
    expect(await env.weights()).toMatchObject({ [target]: 100 });
    expect(await recordOf(execution.executionArn)).toMatchObject({
      outcome: 'succeeded',
      version: 'v2-fix',
      allowFiringAlarms: [fiveXx()],
      reason,
    });
  });

  it('watches the alarm once it is OK again: back to ALARM rolls back, naming it', async () => {
    const before = await env.weights();
    const target = before.blue === 100 ? 'green' : 'blue';
    const previous = target === 'blue' ? 'green' : 'blue';
    await env.setAlarm(fiveXx(), 'ALARM', 'the bug');
    const execution = env.start({
      action: 'cutover',
      version: 'v3-fix',
      allowFiringAlarms: [fiveXx()],
      reason,
    });
    await waitFor(async () => (await env.weights())[target] === 100);
    // Still firing from before the fix: the bake looks past it.
    await sleep(1500);
    expect(await env.weights()).toMatchObject({ [target]: 100 });
    await env.setAlarm(fiveXx(), 'OK', 'fixed');
    await sleep(2000);
    await env.setAlarm(fiveXx(), 'ALARM', 'back again');
    const { error, cause } = failure(await execution.result);
    expect(error).toBe('RolledBack');
    expect(cause).toMatchObject({ alarm: fiveXx(), live: previous, version: 'v3-fix' });
    expect(cause.message).toMatch(/again after it had returned to OK/);
    expect(await env.weights()).toMatchObject({ [previous]: 100 });
  });
});
