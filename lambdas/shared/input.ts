import { z } from 'zod';
import { InvalidInput, isRecord } from './errors';
import { firstProblem } from './validation';

/** A container image tag's grammar: what pipelines already use to name a version. */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const SCHEMA_CHANGES = ['none', 'expand', 'contract'] as const;
export type SchemaChange = (typeof SCHEMA_CHANGES)[number];

const reason = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');

export const cutoverInputSchema = z.strictObject({
  action: z.literal('cutover'),
  version: z
    .string()
    .regex(VERSION, 'must look like an image tag (letters, digits, ".", "_", "-"; at most 128)'),
  dryRun: z.boolean().optional(),
  schemaChange: z.enum(SCHEMA_CHANGES).optional(),
  reason: reason.optional(),
});

export const rollbackInputSchema = z.strictObject({
  action: z.literal('rollback'),
  reason: reason.optional(),
  force: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

/** The normalized request every later step works from. */
export type Request =
  | {
      action: 'cutover';
      version: string;
      dryRun: boolean;
      schemaChange: SchemaChange;
      reason?: string;
    }
  | { action: 'rollback'; dryRun: boolean; force: boolean; reason?: string };

const ACTIONS = ['cutover', 'rollback'] as const;

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
  if (action === 'cutover') {
    const parsed = cutoverInputSchema.safeParse(input);
    if (!parsed.success) {
      const problem = firstProblem(parsed.error, input, 'input');
      throw new InvalidInput(problem.message, problem.field);
    }
    const { version, dryRun, schemaChange, reason: why } = parsed.data;
    return {
      action: 'cutover',
      version,
      dryRun: dryRun ?? false,
      schemaChange: schemaChange ?? 'none',
      ...(why ? { reason: why } : {}),
    };
  }
  const parsed = rollbackInputSchema.safeParse(input);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error, input, 'input');
    throw new InvalidInput(problem.message, problem.field);
  }
  const { force, dryRun, reason: why } = parsed.data;
  return {
    action: 'rollback',
    dryRun: dryRun ?? false,
    force: force ?? false,
    ...(why ? { reason: why } : {}),
  };
}
