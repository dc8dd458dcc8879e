import * as z from 'zod';
import { COLORS } from './config';
import { ACTIONS } from './request';

/**
 * What an execution ends with (DESIGN.md, "Outcomes"): the cause JSON of a failure and the output
 * of a success. Pipelines and acceptance tests read these, so each has one schema here.
 */

const color = z.enum(COLORS);

/** The cause object of a failed execution: what pipelines and people read without the history. */
export const failureCauseSchema = z.object({
  message: z.string(),
  /** The input or config field at fault. */
  field: z.string().optional(),
  /** The alarm at fault, for the alarm errors. */
  alarm: z.string().optional(),
  /** The color live when the execution ended. */
  live: z.union([color, z.literal('unknown')]),
  previous: color.optional(),
  version: z.string().optional(),
});
export type FailureCause = z.infer<typeof failureCauseSchema>;

/** What the Fail state reads through ErrorPath/CausePath: the error name and the cause as JSON text. */
export const outcomeSchema = z.object({ error: z.string(), cause: z.string() });
export type Outcome = z.infer<typeof outcomeSchema>;

export function failureOutcome(error: string, cause: FailureCause): Outcome {
  return { error, cause: JSON.stringify(cause) };
}

/** The execution's output on success: the contract's fields plus what an operator wants to see. */
export const successOutputSchema = z.object({
  action: z.enum(ACTIONS),
  live: color,
  previous: color,
  version: z.string().optional(),
  dryRun: z.literal(true).optional(),
  plan: z.record(z.string(), z.unknown()).optional(),
  schemaChange: z.string().optional(),
  warnings: z.array(z.string()),
  switchedAt: z.string().optional(),
});
export type SuccessOutput = z.infer<typeof successOutputSchema>;

/** The output of a rollback that joined a baking cutover and waited for it to restore traffic. */
export const joinedOutputSchema = z.object({
  action: z.literal('rollback'),
  live: color,
  previous: color,
  /** The version now live again, when the history knows it. */
  version: z.string().optional(),
  /** The version of the cutover that was rolled back. */
  undid: z.string().optional(),
  joined: z.string(),
  reason: z.string().optional(),
});
export type JoinedOutput = z.infer<typeof joinedOutputSchema>;
