import * as z from 'zod';
import { COLORS } from './config';

/** The event the deploy hook receives. `executionId` stays the same across calls, so it can be idempotent. */
export const deployHookEventSchema = z.object({
  service: z.string(),
  color: z.enum(COLORS),
  targetGroupArn: z.string(),
  version: z.string(),
  executionId: z.string(),
  attempt: z.number().int().positive(),
});
export type DeployHookEvent = z.infer<typeof deployHookEventSchema>;

/** What the hook answers; IN_PROGRESS makes the workflow call it again after pollSeconds. */
export const hookAnswerSchema = z.object({
  status: z.enum(['SUCCEEDED', 'IN_PROGRESS', 'FAILED']),
  message: z.string().optional(),
});
export type HookAnswer = z.infer<typeof hookAnswerSchema>;

/**
 * The event a lifecycle hook (`hooks.beforeTraffic`, `hooks.afterTraffic`) receives; it answers like
 * the deploy hook. `executionId` stays the same across calls, `attempt` counts them.
 */
export const trafficHookEventSchema = z.object({
  service: z.string(),
  phase: z.enum(['beforeTraffic', 'afterTraffic']),
  /** The side being released. */
  color: z.enum(COLORS),
  version: z.string(),
  executionId: z.string(),
  attempt: z.number().int().positive(),
  /** Where the side being released answers before production traffic reaches it (a test listener). */
  testUrl: z.string().optional(),
});
export type TrafficHookEvent = z.infer<typeof trafficHookEventSchema>;
