import * as fc from 'fast-check';
import { InvalidInput } from '../../lambdas/shared/contract';
import { logger } from '../../lambdas/shared/observability';
import { handler } from '../../lambdas/validate';
import { EXECUTION_ARN, rejected } from '../lambdas/handlers/support';
import { badInput, goodInput, MUTATION_NAMES } from './arbitraries/execution-input';
import { runs, SEED, Tally } from './support';

const execution = { arn: EXECUTION_ARN, name: 'release-1', startedAt: '2026-11-27T12:00:00.000Z' };

const GOOD_RUNS = 3_000;
const BAD_RUNS = 7_000;

const good = new Tally();
const bad = new Tally();

beforeAll(() => {
  // The step logs every refusal once; thousands of them would only bury the test output.
  logger.setLogLevel('SILENT');
});

afterAll(() => {
  console.log(
    `execution inputs through Validate: ${good.total + bad.total} (seed ${SEED})\n` +
      `  accepted ${good.total}: ${good.summary()}\n  refused ${bad.total}: ${bad.summary()}`,
  );
});

describe(`execution inputs, generated from the contract (${GOOD_RUNS + BAD_RUNS} per run)`, () => {
  it(`accepts ${GOOD_RUNS} good inputs as the normalized request`, async () => {
    await fc.assert(
      fc.asyncProperty(goodInput, async ({ input, request }) => {
        // Act
        const state = await handler({ input, execution });

        // Assess
        expect(state).toEqual({ execution, request });
        good.add(String(input.action));
      }),
      runs(GOOD_RUNS),
    );
  });

  it(`refuses ${BAD_RUNS} inputs broken once with InvalidInput naming the broken field`, async () => {
    await fc.assert(
      fc.asyncProperty(badInput, async ({ mutation, value, field }) => {
        // Act
        const error = await rejected(handler({ input: value, execution }));

        // Assess
        expect(error).toBeInstanceOf(InvalidInput);
        expect(error.name).toBe('InvalidInput');
        expect(error.details.field).toBe(field);
        expect(error.details.message).toContain(field);
        bad.add(mutation);
      }),
      runs(BAD_RUNS),
    );
    // Every mutation was drawn, so a generator that stopped producing one shows here.
    expect(bad.kinds()).toEqual([...MUTATION_NAMES].sort());
  });
});
