import { App, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import {
  BlueGreenCutover,
  type BlueGreenCutoverProps,
  BlueGreenCutoverPropsError,
  ConfigError,
  parseServiceConfig,
} from '../../lib';
import { badConfig, type Config, goodConfig } from './arbitraries/config';
import { runs, SEED, Tally } from './support';

/*
 * The construct's props are the config file's keys: the same generated configs must be accepted or
 * refused alike, naming the same field: ALB configs (routes, shift, every deploy type that goes with
 * them) and configs of every router.
 */

const GOOD_RUNS = 40;
const BAD_RUNS = 300;

const good = new Tally();
const bad = new Tally();

/** ALB configs the size a user writes; the largest ones (100 long alarm names) are the environment-size test's. */
const albConfig = goodConfig({
  traffic: 'alb-listener',
  deploy: ['none', 'lambda-hook'],
  maxRoutes: 3,
  maxAlarms: 4,
});

function build(config: Config): void {
  // Bundling is exercised by the workflow scenarios; here it would only slow the property down.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
  new BlueGreenCutover(stack, 'Cutover', config as unknown as BlueGreenCutoverProps);
}

function refusalOf(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Configs of every router, every deploy type that goes with it. */
const anyConfig = goodConfig({ maxRoutes: 3, maxAlarms: 4 });

afterAll(() => {
  console.log(
    `configs through new BlueGreenCutover: ${good.total + bad.total} (seed ${SEED})\n` +
      `  accepted ${good.total}\n  refused ${bad.total}: ${bad.summary()}`,
  );
});

describe(`construct props, generated ALB configs (${GOOD_RUNS + BAD_RUNS} per run)`, () => {
  it(`builds the workflow for ${GOOD_RUNS} good ALB configs`, () => {
    fc.assert(
      fc.property(albConfig, ({ config }) => {
        expect(refusalOf(() => build(config))).toBeUndefined();
        good.add('accepted');
      }),
      runs(GOOD_RUNS),
    );
  });

  it(`builds the workflow for ${GOOD_RUNS} good configs of every router`, () => {
    fc.assert(
      fc.property(anyConfig, ({ config }) => {
        expect(refusalOf(() => build(config))).toBeUndefined();
        good.add(`accepted ${(config.traffic as { type: string }).type}`);
      }),
      runs(GOOD_RUNS),
    );
  });

  it.each([
    ['ALB configs', () => badConfig(albConfig, 'alb-listener')],
    ['configs of every router', () => badConfig(anyConfig)],
  ])(
    `refuses ${BAD_RUNS} %s broken once with BlueGreenCutoverPropsError naming the field the config file names`,
    (_, broken) => {
      fc.assert(
        fc.property(broken(), ({ mutation, value, field }) => {
          // Act
          const error = refusalOf(() => build(value));
          const fileError = refusalOf(() => parseServiceConfig(value, 'service.json'));

          // Assess
          expect(error).toBeInstanceOf(BlueGreenCutoverPropsError);
          expect((error as BlueGreenCutoverPropsError).field).toBe(field);
          expect((error as Error).message).toContain(`props.${field}`);
          expect(fileError).toBeInstanceOf(ConfigError);
          expect((fileError as ConfigError).field).toBe(field);
          bad.add(mutation);
        }),
        runs(BAD_RUNS),
      );
    },
  );
});
