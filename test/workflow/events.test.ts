import type { LocalExecution } from '../../local';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

const env = useOfflineEnvironment({
  service: 'event-paths',
  bakeSeconds: 4,
  healthTimeoutSeconds: 10,
  initialMs: 1000,
});

interface PutEvent {
  readonly source: string;
  readonly detailType: string;
  readonly bus: string;
  readonly detail: Record<string, unknown>;
}

/** The release events one execution put on the bus, in the order the bus received them. */
function eventsOf(execution: LocalExecution): PutEvent[] {
  return env.aws.calls
    .filter((c) => c.service === 'events' && c.operation === 'PutEvents')
    .flatMap((c) => (Array.isArray(c.params.Entries) ? (c.params.Entries as Record<string, string>[]) : []))
    .map((e) => ({
      source: e.Source ?? '',
      detailType: e.DetailType ?? '',
      bus: e.EventBusName ?? '',
      detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
    }))
    .filter((e) => e.detail.executionArn === execution.executionArn);
}

const common = (execution: LocalExecution, action: string) => ({
  service: 'event-paths',
  executionArn: execution.executionArn,
  action,
  elapsedMs: expect.any(Number),
});

/** Each event's elapsedMs grows along the release and stays within its duration. */
function expectElapsedInOrder(events: PutEvent[], startedAt: number): void {
  const elapsed = events.map((e) => e.detail.elapsedMs as number);
  expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
  expect(elapsed[elapsed.length - 1]).toBeLessThanOrEqual(Date.now() - startedAt + 1000);
}

describe('workflow: release events', () => {
  it('a cutover announces its start, its switch and its success, each on the default bus', async () => {
    const startedAt = Date.now();
    const { execution, outcome } = await env.run({ action: 'cutover', version: 'v2' });
    output(outcome);
    const events = eventsOf(execution);
    expect(events.map((e) => e.detailType)).toEqual([
      'Release Started',
      'Traffic Switched',
      'Release Succeeded',
    ]);
    expect(events.every((e) => e.source === 'bluegreen.cutover' && e.bus === 'default')).toBe(true);
    const [started, switched, succeeded] = events.map((e) => e.detail);
    expect(started).toEqual({ ...common(execution, 'cutover'), version: 'v2', live: 'blue' });
    expect(switched).toMatchObject({
      ...common(execution, 'cutover'),
      version: 'v2',
      live: 'green',
      previous: 'blue',
      percent: 100,
      weights: { green: 100, blue: 0 },
    });
    expect(succeeded).toMatchObject({
      ...common(execution, 'cutover'),
      version: 'v2',
      live: 'green',
      previous: 'blue',
    });
    expect(succeeded).not.toHaveProperty('error');
    expectElapsedInOrder(events, startedAt);
  });

  it('an alarm in the bake: started, switched, then rolled back with the error and its cause', async () => {
    const startedAt = Date.now();
    const execution = env.start({ action: 'cutover', version: 'v3' });
    await waitFor(async () => (await env.weights()).blue === 100 && eventsOf(execution).length === 2);
    const alarm = env.fixture.alarmNames[0] ?? '';
    await env.setAlarm(alarm, 'ALARM', 'Threshold Crossed');
    try {
      expect(failure(await execution.result).error).toBe('RolledBack');
    } finally {
      await env.setAlarm(alarm, 'OK');
    }
    const events = eventsOf(execution);
    expect(events.map((e) => e.detailType)).toEqual([
      'Release Started',
      'Traffic Switched',
      'Release Rolled Back',
    ]);
    expect(events[1]?.detail).toMatchObject({
      live: 'blue',
      previous: 'green',
      weights: { blue: 100, green: 0 },
    });
    expect(events[2]?.detail).toMatchObject({
      ...common(execution, 'cutover'),
      version: 'v3',
      live: 'green',
      previous: 'blue',
      alarm,
      error: 'RolledBack',
      cause: expect.stringContaining(alarm),
    });
    expectElapsedInOrder(events, startedAt);
  });

  it('a console rollback announces its own start, switch and success as action rollback', async () => {
    // Live is green (v2); blue saw the rolled-back v3, so only `force` takes traffic back there.
    const { execution, outcome } = await env.run({ action: 'rollback', reason: 'v2 is slow', force: true });
    expect(output(outcome)).toMatchObject({ action: 'rollback', live: 'blue' });
    const events = eventsOf(execution);
    expect(events.map((e) => e.detailType)).toEqual([
      'Release Started',
      'Traffic Switched',
      'Release Succeeded',
    ]);
    expect(events[0]?.detail).toMatchObject({
      ...common(execution, 'rollback'),
      live: 'green',
      reason: 'v2 is slow',
    });
    expect(events[1]?.detail).toMatchObject({
      ...common(execution, 'rollback'),
      live: 'blue',
      previous: 'green',
      weights: { blue: 100, green: 0 },
    });
    expect(events[2]?.detail).toMatchObject({
      ...common(execution, 'rollback'),
      live: 'blue',
      previous: 'green',
    });
  });

  it('a release refused by its input puts no event (nothing started)', async () => {
    const { execution, outcome } = await env.run({ action: 'cutover' });
    expect(failure(outcome).error).toBe('InvalidInput');
    expect(eventsOf(execution)).toEqual([]);
  });
});

/** A `Release Requested` event as a pipeline or a chat bot puts it on the default bus. */
function releaseRequested(service: string, request: unknown) {
  return {
    Source: 'bluegreen.release',
    DetailType: 'Release Requested',
    Detail: JSON.stringify({ service, request }),
  };
}

describe('workflow: started by a Release Requested event', () => {
  it('starts a cutover of this service that succeeds', async () => {
    const before = await env.weights();
    const target = before.blue === 100 ? 'green' : 'blue';
    const [put] = env.workflow.putEvents([
      releaseRequested('event-paths', { action: 'cutover', version: 'v4' }),
    ]);
    expect(put?.executions).toHaveLength(1);
    const execution = put?.executions[0] as LocalExecution;
    const out = output(await execution.result);
    expect(out).toMatchObject({ action: 'cutover', version: 'v4', live: target });
    expect(await env.weights()).toMatchObject({ [target]: 100 });
    expect(eventsOf(execution).map((e) => e.detailType)).toEqual([
      'Release Started',
      'Traffic Switched',
      'Release Succeeded',
    ]);
  });

  it('starts nothing for another service, another detail-type or another source', async () => {
    const request = { action: 'cutover', version: 'v5' };
    const puts = env.workflow.putEvents([
      releaseRequested('payments-api', request),
      { ...releaseRequested('event-paths', request), DetailType: 'Release Succeeded' },
      { ...releaseRequested('event-paths', request), Source: 'bluegreen.cutover' },
    ]);
    expect(puts.map((p) => p.eventId)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    expect(puts.flatMap((p) => p.executions)).toEqual([]);
  });

  it('starts an execution for an invalid request, which ends in InvalidInput naming the field', async () => {
    const before = await env.weights();
    const [put] = env.workflow.putEvents([
      releaseRequested('event-paths', { action: 'cutover', version: 'not a tag' }),
    ]);
    const execution = put?.executions[0] as LocalExecution;
    const { error, cause } = failure(await execution.result);
    expect(error).toBe('InvalidInput');
    expect(cause.field).toBe('version');
    expect(await env.weights()).toEqual(before);
  });
});
