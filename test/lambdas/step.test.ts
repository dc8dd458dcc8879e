import { CONFIG_ENV } from '../../lambdas/shared/contract';
import { stepEventSchema } from '../../lambdas/shared/state';
import { defineStep, pollUntil } from '../../lambdas/shared/step';
import { CONFIG, cutoverState } from './handlers/support';

describe('pollUntil', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  /** Runs the poll to its end on the fake clock; answers how it stopped, after how many looks, when. */
  async function run(options: Parameters<typeof pollUntil>[1], handBackAt: number, doneAtLook = 0) {
    let looks = 0;
    const polled = pollUntil({ handBackAt }, options, async () => {
      looks += 1;
      return { done: looks === doneAtLook, value: looks };
    });
    await jest.runAllTimersAsync();
    const { stop, value } = await polled;
    return { stop, looks: value, at: Date.now() };
  }

  it('stops at the first look that is done', async () => {
    expect(await run({ intervalMs: 1000, until: 60_000 }, 50_000, 3)).toEqual({
      stop: 'done',
      looks: 3,
      at: 2000,
    });
  });

  it('expires when the next look would come after the deadline', async () => {
    expect(await run({ intervalMs: 1000, until: 2500 }, 50_000)).toEqual({
      stop: 'expired',
      looks: 3,
      at: 2000,
    });
  });

  it('looks once more exactly at the deadline of a watch', async () => {
    expect(await run({ intervalMs: 1000, until: 2500, lookAtUntil: true }, 50_000)).toEqual({
      stop: 'expired',
      looks: 4,
      at: 2500,
    });
  });

  it('hands back at the end of the budget, not at once, when the next look would not fit', async () => {
    expect(await run({ intervalMs: 5000, until: 600_000 }, 12_000)).toEqual({
      stop: 'hand-back',
      looks: 3,
      at: 12_000,
    });
  });
});

describe('defineStep', () => {
  beforeAll(() => {
    process.env[CONFIG_ENV] = JSON.stringify(CONFIG);
  });

  it('names the step and the field when the event is not what the state machine sends', async () => {
    const step = defineStep('Gate', stepEventSchema, async () => 'never');
    await expect(step({ state: { execution: {} } })).rejects.toThrow(
      /^Gate received an event it cannot read at state\.execution\.arn/,
    );
  });

  it("hands a polling step back with the Lambda's remaining time less a reserve", async () => {
    const step = defineStep(
      'WaitHealthy',
      stepEventSchema,
      async (_event, { handBackAt }) => handBackAt - Date.now(),
    );
    const budget = await step({ state: cutoverState() }, { getRemainingTimeInMillis: () => 75_000 });
    expect(budget).toBeGreaterThan(49_000);
    expect(budget).toBeLessThanOrEqual(50_000);
    const short = await step({ state: cutoverState() }, { getRemainingTimeInMillis: () => 30_000 });
    expect(short).toBeLessThanOrEqual(5_000);
  });

  it('gives the step the configuration of its environment', async () => {
    const step = defineStep('Finalize', stepEventSchema, async (_event, { config }) => config.service);
    expect(await step({ state: cutoverState() })).toBe(CONFIG.service);
  });
});
