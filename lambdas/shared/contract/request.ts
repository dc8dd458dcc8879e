import * as z from 'zod';
import { InvalidInput, isRecord } from './errors';
import { firstProblem } from './problems';

/** A container image tag's grammar: what pipelines already use to name a version. */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Base64 of a SHA-256 digest: 43 characters and one "=" of padding. */
export const CODE_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

export const SCHEMA_CHANGES = ['none', 'expand', 'contract'] as const;
export type SchemaChange = (typeof SCHEMA_CHANGES)[number];

export const ACTIONS = ['cutover', 'rollback'] as const;
export type Action = (typeof ACTIONS)[number];

const reason = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

/**
 * The execution input (DESIGN.md, "Execution input"). Parsing fills the defaults, so the parsed
 * value is the normalized request every later step works from, and the same schema reads it back
 * out of the state.
 */
export const cutoverRequestSchema = z
  .strictObject({
    action: z.literal('cutover'),
    version: z
      .string()
      .regex(VERSION, 'must look like an image tag (letters, digits, ".", "_", "-"; at most 128)'),
    dryRun: z.boolean().default(false),
    schemaChange: z.enum(SCHEMA_CHANGES).default('none'),
    reason: reason.optional(),
    /**
     * Configured alarms that may be in ALARM at the gate because this release is the fix for them
     * (DESIGN.md, "shipping a fix under a firing alarm"). Requires `reason`; the names are checked
     * against the configured alarms by `parseRequest`.
     */
    allowFiringAlarms: z
      .array(z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'))
      .min(1, 'must list at least one alarm (leave it out to let every alarm block)')
      .max(100, 'lists at most 100 alarms')
      .optional(),
    /** The build the release must publish (deploy lambda-version): Lambda's CodeSha256 of the package. */
    codeSha256: z
      .string()
      .regex(
        CODE_SHA256,
        'must be the base64 SHA-256 of the deployment package (44 characters, as Lambda reports CodeSha256)',
      )
      .optional(),
  })
  .superRefine((request, ctx) => {
    const allowed = request.allowFiringAlarms;
    if (!allowed) return;
    const seen = new Set<string>();
    allowed.forEach((name, i) => {
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['allowFiringAlarms', i], message: `lists "${name}" twice` });
      }
      seen.add(name);
    });
    if (request.reason === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message:
          'is required with "allowFiringAlarms": say why the release may ship while those alarms fire (it is recorded in the history)',
      });
    }
  });

export const rollbackRequestSchema = z.strictObject({
  action: z.literal('rollback'),
  reason: reason.optional(),
  force: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

export const requestSchema = z.discriminatedUnion('action', [cutoverRequestSchema, rollbackRequestSchema]);

/** What a pipeline, a rule or a person passes to StartExecution. */
export type ExecutionInput = z.input<typeof requestSchema>;
/** The normalized request: defaults filled in. */
export type Request = z.output<typeof requestSchema>;

/**
 * Validates an execution's input. Anything but a known action with well-formed fields is refused
 * with InvalidInput naming the field; ARNs can never come from here (unknown keys are refused), so
 * whoever may start an execution can only move traffic between the two environments fixed at deploy.
 */
export function parseRequest(input: unknown): Request {
  if (!isRecord(input) || Object.keys(input).length === 0) {
    throw new InvalidInput(
      'the execution input must be a JSON object such as {"action":"cutover","version":"2026.11.27-1"} or {"action":"rollback"}',
      'action',
    );
  }
  const action = input.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new InvalidInput(
      `"action" must be one of ${ACTIONS.map((a) => `"${a}"`).join(', ')}, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`,
      'action',
    );
  }
  const parsed = requestSchema.safeParse(input);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error, input, 'input');
    throw new InvalidInput(problem.message, problem.field);
  }
  return parsed.data;
}

/**
 * Every name in `allowFiringAlarms` must be a configured alarm: a typo would otherwise allow
 * nothing while the user believes the release may ship under that alarm.
 */
export function checkAllowedAlarms(allowed: readonly string[], configured: readonly string[]): void {
  allowed.forEach((name, i) => {
    if (configured.includes(name)) return;
    const known = configured.length ? configured.map((a) => `"${a}"`).join(', ') : 'none';
    throw new InvalidInput(
      `"allowFiringAlarms[${i}]" names "${name}", which is not a configured alarm (configured: ${known})`,
      `allowFiringAlarms[${i}]`,
    );
  });
}
