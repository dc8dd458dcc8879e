import * as fc from 'fast-check';
import { type BadCase, copy, defineKey, withKeyOrder } from '../support';

/*
 * Execution inputs written from DESIGN.md ("Execution input"), not from the zod schema, so that the
 * properties catch a schema that drifts from the contract:
 *   cutover:  action, version (an image tag: ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$), dryRun?,
 *             schemaChange? (none | expand | contract), reason?
 *   rollback: action, reason?, force?, dryRun?
 * Anything else is refused with InvalidInput naming the field (`action` when the input is empty).
 */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TAG_TAIL = `${ALNUM}._-`;

const charOf = (chars: string) => fc.constantFrom(...chars.split(''));

/** A version as the grammar allows it: 1 to 128 characters, starting with a letter or digit. */
export const goodVersion: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(charOf(ALNUM), fc.array(charOf(TAG_TAIL), { maxLength: 127 }))
    .map(([first, rest]) => first + rest.join('')),
  // The shapes pipelines use, and the longest one allowed.
  fc.constantFrom('2026.11.27-1', 'v2', '1.2.3', 'sha-0123abc', 'release_42', `a${'-'.repeat(127)}`),
);

/** A version the grammar refuses, each a way a pipeline could get it wrong. */
export const badVersion: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  // Starts with a character allowed only later.
  fc.tuple(charOf('._-'), goodVersion).map(([first, rest]) => first + rest.slice(0, 127)),
  // One character outside the grammar somewhere.
  fc
    .tuple(
      goodVersion,
      fc.constantFrom(' ', '/', ':', '@', '+', '~', '\n', '\t', 'é', 'ß', '\u0000', '#', '*', '$', '{', '🙂'),
      fc.nat(),
    )
    .map(([version, bad, at]) => {
      const i = 1 + (at % version.length);
      return version.slice(0, i) + bad + version.slice(i);
    }),
  // Too long: 129 characters or more.
  fc
    .tuple(charOf(ALNUM), fc.array(charOf(TAG_TAIL), { minLength: 128, maxLength: 300 }))
    .map(([first, rest]) => first + rest.join('')),
);

/** A reason a person would type: free text, not empty. */
const goodReason = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
  fc.constantFrom('p99 latency after release', 'rollback requested by on-call', 'x'),
);

/** Any JSON value. */
const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 });

/** A JSON value that is not a boolean. */
const notBoolean = fc.oneof(
  fc.constantFrom('true', 'false', 'yes', 1, 0, null, [], {}, [true], { value: true }),
  jsonValue.filter((v) => typeof v !== 'boolean'),
);

/** A JSON value that is not a string. */
const notString = fc.oneof(
  fc.constantFrom(42, 0, -1, 2026.1127, true, false, null, [], {}, ['v2'], { version: 'v2' }),
  jsonValue.filter((v) => typeof v !== 'string'),
);

export interface GoodInput {
  readonly input: Record<string, unknown>;
  /** The normalized request the contract promises: every default filled in. */
  readonly request: Record<string, unknown>;
}

const keyOrder = fc.array(fc.nat({ max: 20 }), { minLength: 5, maxLength: 5 });

const goodCutover: fc.Arbitrary<GoodInput> = fc
  .record({
    version: goodVersion,
    dryRun: fc.option(fc.boolean(), { nil: undefined }),
    schemaChange: fc.option(fc.constantFrom('none', 'expand', 'contract'), { nil: undefined }),
    reason: fc.option(goodReason, { nil: undefined }),
    order: keyOrder,
  })
  .map(({ version, dryRun, schemaChange, reason, order }) => {
    const given: Array<[string, unknown]> = [
      ['action', 'cutover'],
      ['version', version],
    ];
    if (dryRun !== undefined) given.push(['dryRun', dryRun]);
    if (schemaChange !== undefined) given.push(['schemaChange', schemaChange]);
    if (reason !== undefined) given.push(['reason', reason]);
    return {
      input: withKeyOrder(given, order) as Record<string, unknown>,
      request: {
        action: 'cutover',
        version,
        dryRun: dryRun ?? false,
        schemaChange: schemaChange ?? 'none',
        ...(reason === undefined ? {} : { reason }),
      },
    };
  });

const goodRollback: fc.Arbitrary<GoodInput> = fc
  .record({
    reason: fc.option(goodReason, { nil: undefined }),
    force: fc.option(fc.boolean(), { nil: undefined }),
    dryRun: fc.option(fc.boolean(), { nil: undefined }),
    order: keyOrder,
  })
  .map(({ reason, force, dryRun, order }) => {
    const given: Array<[string, unknown]> = [['action', 'rollback']];
    if (reason !== undefined) given.push(['reason', reason]);
    if (force !== undefined) given.push(['force', force]);
    if (dryRun !== undefined) given.push(['dryRun', dryRun]);
    return {
      input: withKeyOrder(given, order) as Record<string, unknown>,
      request: {
        action: 'rollback',
        force: force ?? false,
        dryRun: dryRun ?? false,
        ...(reason === undefined ? {} : { reason }),
      },
    };
  });

/** An input the contract accepts, with the request it must become. */
export const goodInput: fc.Arbitrary<GoodInput> = fc.oneof(goodCutover, goodRollback);

/**
 * Keys the contract does not have: what someone who may start an execution could try to steer
 * traffic with (ARNs never come from the input), near misses of real keys, keys of the other
 * action, and names that are special to JavaScript objects.
 */
const unknownKey = fc.oneof(
  fc.constantFrom(
    'listenerArn',
    'targetGroupArn',
    'blueTargetGroupArn',
    'greenTargetGroupArn',
    'ruleArn',
    'routes',
    'traffic',
    'functionName',
    'aliasName',
    'hostedZoneId',
    'service',
    'alarms',
    'bakeSeconds',
    'weights',
    'color',
    'live',
    'Action',
    'Version',
    'dryrun',
    'schema_change',
    ' version',
    'version ',
    '',
    'force',
    'version',
    'schemaChange',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.stringMatching(/^arn:aws:[a-z]{3,20}:[a-z0-9-]{0,12}:\d{0,12}:[a-z/-]{1,20}$/),
);

const CUTOVER_KEYS = ['action', 'version', 'dryRun', 'schemaChange', 'reason'];
const ROLLBACK_KEYS = ['action', 'reason', 'force', 'dryRun'];

/** The keys the contract gives an input of this action. */
function knownKeys(input: Record<string, unknown>): readonly string[] {
  return input.action === 'cutover' ? CUTOVER_KEYS : ROLLBACK_KEYS;
}

function withField(input: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out = copy(input);
  out[key] = value;
  return out;
}

/** The input as a cutover: a rollback's own keys dropped, so that the mutation is the only fault. */
function asCutover(input: Record<string, unknown>): Record<string, unknown> {
  const out = copy(input);
  out.action = 'cutover';
  delete out.force;
  if (!('version' in out)) out.version = 'v2';
  return out;
}

/**
 * One way to break a good input: the inputs it starts from, what it draws, and how it breaks the
 * input with that, answering the field the refusal must name. The arbitraries are built once: a
 * fast-check `chain` that built them per case would spend the run building generators.
 */
interface Mutation<P> {
  readonly from: fc.Arbitrary<GoodInput>;
  readonly draw: fc.Arbitrary<P>;
  readonly apply: (input: Record<string, unknown>, drawn: P) => Broken;
}

type Broken = { readonly value: unknown; readonly field: string };

const mutation = <P>(m: Mutation<P>): fc.Arbitrary<Broken> =>
  fc.tuple(m.from, m.draw).map(([good, drawn]) => m.apply(good.input, drawn));

const MUTATIONS = {
  'unknown key': mutation({
    from: goodInput,
    draw: fc.tuple(unknownKey, jsonValue),
    apply: (input, [key, value]) => {
      // A key the contract has for this action is no mutation: make it unknown by a suffix.
      const unknown = knownKeys(input).includes(key) ? `${key}_` : key;
      const out = copy(input);
      defineKey(out, unknown, value);
      return { value: out, field: unknown };
    },
  }),
  'key of the other action': mutation({
    from: goodInput,
    draw: fc.tuple(fc.constantFrom('version', 'schemaChange', 'force'), jsonValue),
    apply: (input, [key, value]) => {
      const other = input.action === 'cutover' ? 'force' : key === 'force' ? 'version' : key;
      return { value: withField(input, other, value), field: other };
    },
  }),
  'ARN-like key': mutation({
    from: goodInput,
    draw: fc.tuple(
      fc.constantFrom('listenerArn', 'blueTargetGroupArn', 'greenTargetGroupArn', 'targetGroupArn'),
      fc.constantFrom(
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/attacker/0123456789abcdef',
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/0123456789abcdef/0123456789abcdef',
      ),
    ),
    apply: (input, [key, arn]) => ({ value: withField(input, key, arn), field: key }),
  }),
  'wrong action': mutation({
    from: goodInput,
    draw: fc.oneof(
      fc.constantFrom(
        'Cutover',
        'CUTOVER',
        'ROLLBACK',
        'deploy',
        'abort',
        '',
        ' cutover',
        'rollback ',
        'cut-over',
      ),
      fc.string({ maxLength: 12 }).filter((a) => a !== 'cutover' && a !== 'rollback'),
      notString,
    ),
    apply: (input, action) => ({ value: withField(input, 'action', action), field: 'action' }),
  }),
  'missing action': mutation({
    from: goodInput,
    draw: fc.constant(null),
    apply: (input) => {
      const out = copy(input);
      delete out.action;
      // A rollback without its action may be empty: the contract names `action` for that too.
      return { value: out, field: 'action' };
    },
  }),
  'malformed version': mutation({
    from: goodInput,
    draw: fc.oneof(badVersion, notString),
    apply: (input, version) => ({ value: withField(asCutover(input), 'version', version), field: 'version' }),
  }),
  'missing version': mutation({
    from: goodInput,
    draw: fc.constant(null),
    apply: (input) => {
      const out = asCutover(input);
      delete out.version;
      return { value: out, field: 'version' };
    },
  }),
  'wrong dryRun type': mutation({
    from: goodInput,
    draw: notBoolean,
    apply: (input, v) => ({ value: withField(input, 'dryRun', v), field: 'dryRun' }),
  }),
  'wrong schemaChange': mutation({
    from: goodCutover,
    draw: fc.oneof(
      fc.constantFrom('drop', 'Expand', 'CONTRACT', '', 'none ', 'migrate'),
      fc.string({ maxLength: 10 }).filter((s) => !['none', 'expand', 'contract'].includes(s)),
      notString,
    ),
    apply: (input, v) => ({ value: withField(input, 'schemaChange', v), field: 'schemaChange' }),
  }),
  'wrong reason type': mutation({
    from: goodInput,
    draw: notString,
    apply: (input, v) => ({ value: withField(input, 'reason', v), field: 'reason' }),
  }),
  'wrong force type': mutation({
    from: goodRollback,
    draw: notBoolean,
    apply: (input, v) => ({ value: withField(input, 'force', v), field: 'force' }),
  }),
  'empty input': mutation({
    from: goodInput,
    draw: fc.constant(null),
    apply: () => ({ value: {}, field: 'action' }),
  }),
  'not an object': mutation({
    from: goodInput,
    draw: fc.oneof(
      fc.constantFrom(null, true, false, 0, 1, -1, 'cutover', '{"action":"rollback"}', '', [], 'wrap'),
      fc.oneof(
        fc.string(),
        fc.double({ noNaN: true }),
        fc.integer(),
        fc.boolean(),
        fc.array(jsonValue, { maxLength: 3 }),
      ),
    ),
    // 'wrap': the good input inside an array, as a careless `jq -s` would pass it.
    apply: (input, v) => ({ value: v === 'wrap' ? [input] : v, field: 'action' }),
  }),
} satisfies Record<string, fc.Arbitrary<Broken>>;

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** An input broken by one mutation of a good one, with the field the refusal must name. */
export const badInput: fc.Arbitrary<BadCase> = fc.oneof(
  ...Object.entries(MUTATIONS).map(([name, broken]) =>
    broken.map((b): BadCase => ({ mutation: name, ...b })),
  ),
);
