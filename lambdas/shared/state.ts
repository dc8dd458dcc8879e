import * as z from 'zod';
import { COLORS, type Color, requestSchema } from './contract';

/**
 * The execution's state data, as the state machine passes it from step to step. Every step receives
 * the whole state and returns it with its own part added, so the history shows at each step what
 * the workflow knew. Parsed on entry to each handler: a state this code did not make is a bug.
 */

const color = z.enum(COLORS);

/** Where a lifecycle hook is: how often it was called and what it last answered. */
export const hookProgressSchema = z.object({
  startedAt: z.string(),
  attempt: z.number(),
  status: z.enum(['IN_PROGRESS', 'SUCCEEDED', 'SKIPPED']),
  message: z.string().optional(),
});
export type HookProgress = z.infer<typeof hookProgressSchema>;

export const executionSchema = z.object({
  arn: z.string(),
  name: z.string(),
  startedAt: z.string(),
});

export const workflowStateSchema = z.object({
  execution: executionSchema,
  request: requestSchema,
  lease: z
    .object({
      owner: z.string(),
      expiresAt: z.number(),
      /** Set when this rollback joined a baking cutover instead of taking the lease. */
      joined: z.object({ executionArn: z.string(), releaseKey: z.string().optional() }).optional(),
    })
    .optional(),
  roles: z
    .object({
      live: color,
      idle: color,
      liveTargetGroupArn: z.string(),
      idleTargetGroupArn: z.string(),
      idleAttached: z.boolean(),
      loadBalancerArn: z.string(),
      /** The release record of this execution (absent for dry runs). */
      releaseKey: z.string().optional(),
      /** Rollback only: the version the idle side ran when it was last known good. */
      idleVersion: z.string().optional(),
      /** Rollback only: the release record being undone. */
      undoes: z.string().optional(),
      warnings: z.array(z.string()),
    })
    .optional(),
  deploy: z
    .object({
      startedAt: z.string(),
      attempt: z.number(),
      status: z.enum(['IN_PROGRESS', 'SUCCEEDED', 'SKIPPED']),
      message: z.string().optional(),
      /** lambda-version: the code update was sent (so a later invocation only waits for it). */
      codeUpdated: z.boolean().optional(),
      /** lambda-version: the version published for this release (so a retry never publishes again). */
      publishedVersion: z.string().optional(),
      /** ecs-service: the task definition revision registered and deployed for this release. */
      taskDefinitionArn: z.string().optional(),
    })
    .optional(),
  /**
   * Where the side being released answers before production traffic reaches it (the test
   * listener's DNS name and port), when one is configured; passed to the lifecycle hooks.
   */
  testUrl: z.string().optional(),
  /** The lifecycle hooks' progress (`hooks` in the config). */
  hooks: z
    .object({ beforeTraffic: hookProgressSchema.optional(), afterTraffic: hookProgressSchema.optional() })
    .optional(),
  health: z
    .object({
      startedAt: z.string(),
      healthy: z.boolean(),
      summary: z.string(),
      healthyCount: z.number(),
      total: z.number(),
    })
    .optional(),
  gate: z
    .object({
      warnings: z.array(z.string()),
      alarms: z.array(z.object({ name: z.string(), state: z.string() })),
      plan: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  switched: z.object({ at: z.string(), drainSeconds: z.number() }).optional(),
  /** Where a gradual shift is (`traffic.shift`); at the last step traffic is all on the new side. */
  shift: z.object({ step: z.number().int(), percent: z.number(), since: z.string() }).optional(),
  watch: z
    .object({
      phase: z.enum(['bake', 'drain']),
      until: z.string(),
      verdict: z.enum(['continue', 'done', 'rollback']),
      reason: z.string().optional(),
      alarm: z.string().optional(),
      requestedBy: z.string().optional(),
      restoredAt: z.string().optional(),
      /** The restored side has fewer healthy targets than the side it took traffic from. */
      capacity: z.string().optional(),
      /** `allowFiringAlarms` seen OK since the switch: from then on they are watched like the others. */
      returned: z.array(z.string()).optional(),
      /** What the restore changed beyond the weights (ALB stickiness turned off), for the operator. */
      restoreNote: z.string().optional(),
    })
    .optional(),
  failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  failedStep: z.string().optional(),
});

export type WorkflowState = z.infer<typeof workflowStateSchema>;
export type Roles = NonNullable<WorkflowState['roles']>;

/** What the state machine passes to every step but Validate. */
export const stepEventSchema = z.object({ state: workflowStateSchema });

/** Seconds since the epoch, as DynamoDB conditions compare them. */
export function epochSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}

/** The resource of each side (its target group), by color. */
export function sidesOf(roles: Roles): Record<Color, string> {
  const other = { [roles.live]: roles.liveTargetGroupArn, [roles.idle]: roles.idleTargetGroupArn };
  return { blue: other.blue ?? '', green: other.green ?? '' };
}
