import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/gate';
import { AlarmFiring, AlarmNotFound, CutoverFailed } from '../../../lambdas/shared/contract';
import {
  BLUE_TG,
  cutoverState,
  GREEN_TG,
  ROLES,
  rejected,
  rollbackState,
  stepEvent,
  useConfig,
} from './support';
import { mockAws, targetsOf } from './support-mocks';

const ERRORS_ALARM = 'orders-api-5xx';
const LATENCY_ALARM = 'orders-api-p99';

// bakeSeconds 60: an alarm whose window is longer cannot fire during the bake.
useConfig({ alarms: [ERRORS_ALARM, LATENCY_ALARM] });

const { cloudWatch, elb, ddb } = mockAws('cloudWatch', 'elb', 'ddb');

/** A metric alarm as DescribeAlarms returns it: 10-second periods, 3 of them (a 30 s window). */
function alarm(name: string, extra: Partial<MetricAlarm> = {}): MetricAlarm {
  return { AlarmName: name, StateValue: 'OK', Period: 10, EvaluationPeriods: 3, ...extra };
}

function alarmsAre(...alarms: MetricAlarm[]): void {
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: alarms });
}

function healthyTargets(group: string, count: number): void {
  targetsOf(elb, group, ...Array.from({ length: count }, () => 'healthy' as const));
}

const dryRun = (roles = ROLES) =>
  cutoverState({
    request: { action: 'cutover', version: 'v2', dryRun: true, schemaChange: 'expand' },
    roles,
  });

beforeEach(() => {
  alarmsAre(alarm(ERRORS_ALARM), alarm(LATENCY_ALARM));
  healthyTargets(BLUE_TG, 2);
  healthyTargets(GREEN_TG, 2);
});

describe('Gate before a cutover', () => {
  it('lets the cutover through when every alarm is OK and the idle side matches the live side', async () => {
    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(state.gate).toEqual({
      warnings: [],
      alarms: [
        { name: ERRORS_ALARM, state: 'OK' },
        { name: LATENCY_ALARM, state: 'OK' },
      ],
    });
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
      AlarmNames: [ERRORS_ALARM, LATENCY_ALARM],
      AlarmTypes: ['MetricAlarm'],
    });
  });

  it('refuses with AlarmNotFound, naming an alarm that DescribeAlarms did not return', async () => {
    // Prepare
    alarmsAre(alarm(ERRORS_ALARM));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(AlarmNotFound);
    expect(error.name).toBe('AlarmNotFound');
    expect(error.details).toMatchObject({ alarm: LATENCY_ALARM, field: 'alarms' });
    expect(error.details.message).toContain(`alarm "${LATENCY_ALARM}" does not exist`);
  });

  it('refuses with AlarmFiring, naming the alarm in ALARM and its reason', async () => {
    // Prepare
    alarmsAre(
      alarm(ERRORS_ALARM),
      alarm(LATENCY_ALARM, { StateValue: 'ALARM', StateReason: 'Threshold Crossed: 3 datapoints > 1.5' }),
    );

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(AlarmFiring);
    expect(error.details.alarm).toBe(LATENCY_ALARM);
    expect(error.details.message).toBe(
      `alarm "${LATENCY_ALARM}" is in ALARM before the switch: Threshold Crossed: 3 datapoints > 1.5`,
    );
  });

  it('lets INSUFFICIENT_DATA through and reports it as a warning', async () => {
    // Prepare
    alarmsAre(alarm(ERRORS_ALARM), alarm(LATENCY_ALARM, { StateValue: 'INSUFFICIENT_DATA' }));

    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(state.gate?.warnings).toEqual([
      `alarm "${LATENCY_ALARM}" has INSUFFICIENT_DATA: it cannot fire until its metric has data`,
    ]);
    expect(state.gate?.alarms).toContainEqual({ name: LATENCY_ALARM, state: 'INSUFFICIENT_DATA' });
  });

  it('refuses with CutoverFailed an alarm whose evaluation window is longer than the bake', async () => {
    // Prepare: 60 s x 2 periods = 120 s of data, the bake lasts 60 s
    alarmsAre(alarm(ERRORS_ALARM), alarm(LATENCY_ALARM, { Period: 60, EvaluationPeriods: 2 }));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details).toMatchObject({ alarm: LATENCY_ALARM, field: 'bakeSeconds' });
    expect(error.details.message).toContain('needs 120 s of data (period x evaluation periods)');
    expect(error.details.message).toContain('longer than bakeSeconds (60 s)');
  });

  it('refuses with CutoverFailed an idle side with fewer healthy targets than the live side', async () => {
    // Prepare
    healthyTargets(BLUE_TG, 3);

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toBe(
      'capacity parity: green has 2 healthy targets, blue has 3; scale green up before the switch',
    );
  });

  it('lets an idle side with more healthy targets than the live side through', async () => {
    // Prepare
    healthyTargets(GREEN_TG, 4);

    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(state.gate?.warnings).toEqual([]);
  });
});

describe('Gate before a rollback', () => {
  it('reports an alarm in ALARM without blocking: one rolls back because alarms fire', async () => {
    // Prepare
    alarmsAre(alarm(ERRORS_ALARM, { StateValue: 'ALARM' }), alarm(LATENCY_ALARM));

    // Act
    const state = await handler(stepEvent(rollbackState()));

    // Assess
    expect(state.gate?.warnings).toEqual([`alarm "${ERRORS_ALARM}" is in ALARM`]);
    expect(state.gate?.alarms).toContainEqual({ name: ERRORS_ALARM, state: 'ALARM' });
  });

  it('refuses a rollback onto a side with fewer healthy targets (scaled in while idle)', async () => {
    // Prepare: green, live, has 4 healthy targets; blue, the side to go back to, 2
    healthyTargets(GREEN_TG, 4);

    // Act
    const error = await rejected(handler(stepEvent(rollbackState())));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toMatch(/blue has 2 healthy targets, green has 4/);
    expect(error.details.message).toMatch(/scale blue up, or start the rollback with "force": true/);
  });

  it('lets a forced rollback onto fewer healthy targets through, with a warning', async () => {
    // Prepare
    healthyTargets(GREEN_TG, 4);
    const forced = rollbackState({ request: { action: 'rollback', dryRun: false, force: true } });

    // Act
    const state = await handler(stepEvent(forced));

    // Assess
    expect(state.gate?.warnings).toContainEqual(expect.stringMatching(/^capacity parity: blue has 2/));
  });
});

describe('Gate for a dry run', () => {
  it('returns the plan of what a real run would change, and writes nothing', async () => {
    // Act
    const state = await handler(stepEvent(dryRun()));

    // Assess
    expect(state.gate?.plan).toMatchObject({
      action: 'cutover',
      live: 'blue',
      target: 'green',
      version: 'v2',
      schemaChange: 'expand',
      idleHealthChecked: true,
      idleHealth: 'green: 2 of 2 targets healthy',
      weightsBefore: { blue: 100, green: 0 },
      weightsAfter: { blue: 0, green: 100 },
    });
    expect(state.gate?.plan?.steps).toContain('switch the listener: blue 100 -> 0, green 0 -> 100');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('says an idle side that is not attached is not health-checked yet, and writes nothing', async () => {
    // Prepare: targets of an unreferenced group report unused
    targetsOf(elb, GREEN_TG, 'unused', 'unused');

    // Act
    const state = await handler(stepEvent(dryRun({ ...ROLES, idleAttached: false })));

    // Assess
    expect(state.gate?.plan).toMatchObject({
      idleHealthChecked: false,
      idleHealth: 'green is not in the forward action yet, so the ALB does not health-check it',
      weightsBefore: { blue: 100, green: null },
    });
    expect(state.gate?.plan?.steps).toContainEqual(
      expect.stringMatching(/^add green to the listener's forward action at weight 0/),
    );
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('reports a parity problem as a warning instead of refusing', async () => {
    // Prepare
    healthyTargets(BLUE_TG, 3);

    // Act
    const state = await handler(stepEvent(dryRun()));

    // Assess
    expect(state.gate?.warnings).toContainEqual(expect.stringMatching(/^capacity parity: green has 2/));
    expect(state.gate?.plan).toBeDefined();
  });
});

describe('Gate with allowFiringAlarms', () => {
  const allowing = (dry: boolean) =>
    cutoverState({
      request: {
        action: 'cutover',
        version: 'v2',
        dryRun: dry,
        schemaChange: 'none',
        allowFiringAlarms: [ERRORS_ALARM],
        reason: 'v2 fixes the 5xx',
      },
    });

  beforeEach(() => {
    alarmsAre(alarm(ERRORS_ALARM, { StateValue: 'ALARM', StateReason: 'the bug' }), alarm(LATENCY_ALARM));
  });

  it('lets the allowed alarm be in ALARM, with a warning', async () => {
    // Act
    const state = await handler(stepEvent(allowing(false)));

    // Assess
    expect(state.gate?.alarms).toContainEqual({ name: ERRORS_ALARM, state: 'ALARM' });
    expect(state.gate?.warnings).toContainEqual(
      expect.stringContaining(`"${ERRORS_ALARM}" is in ALARM and allowed`),
    );
  });

  it('still refuses when another alarm is in ALARM', async () => {
    // Prepare
    alarmsAre(alarm(ERRORS_ALARM, { StateValue: 'ALARM' }), alarm(LATENCY_ALARM, { StateValue: 'ALARM' }));

    // Act
    const error = await rejected(handler(stepEvent(allowing(false))));

    // Assess
    expect(error).toBeInstanceOf(AlarmFiring);
    expect(error.details.alarm).toBe(LATENCY_ALARM);
  });

  it("lists the allowed alarms and the reason in a dry run's plan", async () => {
    // Act
    const state = await handler(stepEvent(allowing(true)));

    // Assess
    expect(state.gate?.plan).toMatchObject({
      allowFiringAlarms: { alarms: [ERRORS_ALARM], reason: 'v2 fixes the 5xx' },
    });
    expect(state.gate?.plan?.steps).toContainEqual(
      expect.stringContaining(`let "${ERRORS_ALARM}" be in ALARM`),
    );
  });
});
