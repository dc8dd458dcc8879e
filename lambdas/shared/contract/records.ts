import * as z from 'zod';
import { COLORS } from './config';
import { ACTIONS, SCHEMA_CHANGES } from './request';

/**
 * The items of the lease and release-history table. The history is what rollbacks are decided
 * from and what operators read, so its record is part of the contract; both are parsed on read,
 * so a corrupt item is an error naming its key, not a crash deep in a step.
 */

const color = z.enum(COLORS);

export const LEASE_PHASES = [
  'acquired',
  'switching',
  'baking',
  'draining',
  'finishing',
  'rolling-back',
] as const;
export type LeasePhase = (typeof LEASE_PHASES)[number];

/** Phases in which traffic already moved: a rollback request can join the execution. */
export const SWITCHED_PHASES: readonly LeasePhase[] = ['switching', 'baking', 'draining'];

/** One item per service: who may write the router right now. */
export const leaseItemSchema = z.object({
  owner: z.string(),
  action: z.enum(ACTIONS),
  version: z.string().optional(),
  phase: z.enum(LEASE_PHASES),
  acquiredAt: z.string(),
  /** Epoch seconds after which anyone may take the lease. */
  expiresAt: z.number(),
  /** Set once traffic moved, so that whoever cleans up a stopped execution can restore it. */
  previous: color.optional(),
  target: color.optional(),
  releaseKey: z.string().optional(),
  rollbackRequest: z.object({ by: z.string(), reason: z.string().optional(), at: z.string() }).optional(),
});
export type LeaseItem = z.infer<typeof leaseItemSchema>;

export const RELEASE_OUTCOMES = [
  'in-progress',
  'succeeded',
  'failed',
  'rolled-back',
  'rollback-failed',
] as const;
export type ReleaseOutcome = (typeof RELEASE_OUTCOMES)[number];

/** One item per execution that got past ResolveRoles. */
export const releaseRecordSchema = z.object({
  key: z.string(),
  kind: z.enum(ACTIONS),
  executionArn: z.string(),
  version: z.string().optional(),
  /** Cutover records: the version `from` ran when the release started, if the history knows it. */
  previousVersion: z.string().optional(),
  from: color,
  to: color,
  schemaChange: z.enum(SCHEMA_CHANGES),
  outcome: z.enum(RELEASE_OUTCOMES),
  startedAt: z.string(),
  switchedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** When traffic left `to` again (a rollback of this release). */
  rolledBackAt: z.string().optional(),
  reason: z.string().optional(),
  /** Cutover records: the alarms the input let fire at the gate (`allowFiringAlarms`); `reason` says why. */
  allowFiringAlarms: z.array(z.string()).optional(),
  error: z.string().optional(),
  /** Rollback records: the release they undo. */
  undoes: z.string().optional(),
});
export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;
