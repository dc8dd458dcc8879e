import * as fc from 'fast-check';
import { ConfigError, parseServiceConfig } from '../../lib';
import { badConfig, CONFIG_MUTATION_NAMES, goodConfig, unionMemberWrongType } from './arbitraries/config';
import { runs, SEED, Tally } from './support';

const GOOD_RUNS = 1_500;
const BAD_RUNS = 3_000;

const good = new Tally();
const bad = new Tally();

/** The ConfigError that parsing `json` throws (fails the property if it accepts it or throws another error). */
function refusal(json: unknown): ConfigError {
  try {
    parseServiceConfig(json, 'service.json');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(json)}`);
}

afterAll(() => {
  console.log(
    `configs through parseServiceConfig: ${good.total + bad.total} (seed ${SEED})\n` +
      `  accepted ${good.total}: ${good.summary()}\n  refused ${bad.total}: ${bad.summary()}`,
  );
});

describe(`config files, generated from the contract (${GOOD_RUNS + BAD_RUNS} per run)`, () => {
  it(`accepts ${GOOD_RUNS} good configs of every traffic type`, () => {
    fc.assert(
      fc.property(goodConfig(), ({ config, parsed }) => {
        // Act
        const result = parseServiceConfig(config, 'service.json');

        // Assess
        expect(result).toEqual(parsed);
        good.add(String(config.traffic.type));
      }),
      runs(GOOD_RUNS),
    );
  });

  it(`refuses ${BAD_RUNS} configs broken once with a ConfigError naming the broken field`, () => {
    fc.assert(
      fc.property(badConfig(), ({ mutation, value, field }) => {
        // Act
        const error = refusal(value);

        // Assess
        expect(error.field).toBe(field);
        expect(error.message).toContain(`service.json: `);
        expect(error.message).toContain(field);
        bad.add(mutation);
      }),
      runs(BAD_RUNS),
    );
    expect(bad.kinds()).toEqual([...CONFIG_MUTATION_NAMES].sort());
  });

  // DESIGN.md: wrong types fail with a message that names the key, also for a key inside one of a
  // union's shapes (a route's `listenerArn`, `deploy.code.imageUri`), not only the route.
  it('names the key of a wrong type inside a route or deploy.code', () => {
    fc.assert(
      fc.property(unionMemberWrongType, ({ value, field }) => {
        expect(refusal(value).field).toBe(field);
      }),
      runs(200),
    );
  });
});
