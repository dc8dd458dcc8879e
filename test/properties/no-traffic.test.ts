import * as fc from 'fast-check';
import { failure, useOfflineEnvironment } from '../workflow/support';
import { badInput } from './arbitraries/execution-input';
import { SEED } from './support';

/** A sample: each run goes through the synthesized state machine against moto, about 0.1 s each. */
const SAMPLE = 50;

/**
 * JSON inputs that are falsy. The offline runner's JSONPath library reads `$` of a falsy document as
 * "no value", so these fail with States.Runtime before Validate runs (a gap of the runner, see the
 * last test); they are kept out of the sample and checked on their own.
 */
const FALSY_INPUTS = [false, 0, '', null];
const isFalsy = (value: unknown) => !value;

const env = useOfflineEnvironment({ service: 'fuzzed', bakeSeconds: 1, healthTimeoutSeconds: 5 });

async function expectUntouched(before: { blue: number | null; green: number | null }): Promise<void> {
  expect(await env.weights()).toEqual(before);
  expect(env.router.writes()).toEqual([]);
}

describe(`workflow: generated bad execution inputs move no traffic (seed ${SEED})`, () => {
  it(`ends each of ${SAMPLE} FAILED with InvalidInput naming the field, the weights and the router untouched`, async () => {
    // Prepare
    const before = await env.weights();
    expect(before.blue).toBe(100);
    const cases = fc.sample(
      badInput.filter(({ value }) => !isFalsy(value)),
      { numRuns: SAMPLE, seed: SEED },
    );

    for (const { mutation, value, field } of cases) {
      // Act
      const { outcome } = await env.run(value);

      // Assess
      const { error, cause } = failure(outcome);
      expect({ mutation, input: value, error, field: cause.field }).toEqual({
        mutation,
        input: value,
        error: 'InvalidInput',
        field,
      });
      expect(cause.message).toContain(field);
      expect(cause.live).toBe('blue');
      await expectUntouched(before);
    }
    console.log(`bad execution inputs through the state machine: ${cases.length} (seed ${SEED})`);
  });

  it('moves no traffic for a falsy JSON input (false, 0, "", null)', async () => {
    const before = await env.weights();
    for (const input of FALSY_INPUTS) {
      const { outcome } = await env.run(input);
      expect(outcome.status).toBe('FAILED');
      await expectUntouched(before);
    }
  });

  // Finding: offline, these end States.Runtime ("Path expression '$' does not point to a value"),
  // not InvalidInput, because the runner's JSONPath library treats a falsy document as missing.
  // When the runner passes them to Validate, this fails and becomes an ordinary test.
  it.failing('ends a falsy JSON input with InvalidInput naming action', async () => {
    for (const input of FALSY_INPUTS) {
      const { outcome } = await env.run(input);
      const error = outcome.status === 'FAILED' ? outcome.error : outcome.status;
      expect({ input, error }).toEqual({ input, error: 'InvalidInput' });
      expect(failure(outcome).cause.field).toBe('action');
    }
  });
});
