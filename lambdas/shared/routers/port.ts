import type { Color } from '../contract';

/**
 * The router port (DESIGN.md, "Every router, one contract"): what the workflow needs of whatever
 * decides where traffic goes. Handlers, the lease, the gate, the bake and the history speak only
 * this; each traffic type is one adapter behind it.
 */

/** The router as read: which side is live, and whether the idle side is already health-checked. */
export interface RouterView {
  /** The side with all traffic; during a split (a shift step), the side with the larger share (blue at a tie). */
  readonly live: Color;
  readonly idle: Color;
  /**
   * Both sides have traffic: a shift step. Each side's share in percent (they add up to 100).
   * `inspect` refuses a split: a release starts only from one side holding all traffic.
   */
  readonly split?: Readonly<Record<Color, number>>;
  /** The idle side is referenced by the router (at no weight), so its health is known. */
  readonly idleAttached: boolean;
  readonly weights: Readonly<Record<Color, number | null>>;
  /** The resource that stands for each side (an ALB target group ARN). */
  readonly sides: Readonly<Record<Color, string>>;
  /** The resource the router belongs to (an ALB load balancer ARN). */
  readonly scope: string;
}

/** A side's health, from the router's own health source. */
export interface SideHealth {
  /** Every part of the side is healthy, and there is at least one. */
  readonly healthy: boolean;
  readonly total: number;
  readonly healthyCount: number;
  /** One line, e.g. "green: 2 of 3 targets healthy; i-0abc initial (Elb.RegistrationInProgress)". */
  readonly summary: string;
  /**
   * Set when a side that serves traffic is in trouble (failing checks, nothing healthy left);
   * ordinary churn such as targets still starting is not trouble.
   */
  readonly servingProblem?: string;
}

export interface Router {
  /** What the router is, in messages: "listener". */
  readonly kind: string;
  /** Names the router in messages, e.g. "listener arn:aws:...". */
  readonly name: string;
  /** Words of the dry-run plan for what only this router does. */
  readonly words: RouterWords;
  /**
   * Reads the router into roles. States the workflow did not make are RouterStateUnknown, naming
   * what was found. A later `write` starts from what this read saw.
   */
  read(): Promise<RouterView>;
  /**
   * `read` plus the checks made once per execution: nothing else routes to either side, and both
   * sides exist.
   */
  inspect(options?: InspectOptions): Promise<RouterView>;
  /**
   * Makes the idle side health-checked without giving it traffic (an ALB target group joins the
   * forward action at weight 0). Answers whether anything was written.
   */
  attachIdle(): Promise<boolean>;
  /**
   * Gives `target` `percent` of the traffic (default 100: all of it) and the other side the rest;
   * at 100 the other side stays attached at weight 0. Starts from the router as last read, and fails
   * instead of overwriting when someone wrote the router since (where the router can tell).
   * Answers a note for the operator when the write changed more than the weights (a restore may).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: the adapters without a note answer Promise<void>.
  write(target: Color, percent?: number, options?: WriteOptions): Promise<string | undefined | void>;
  sideHealth(color: Color): Promise<SideHealth>;
  /** Seconds the old side's requests in flight may still take once it stops getting new ones. */
  drainSeconds(color: Color): Promise<number>;
}

/** What the execution that inspects the router is about to do. */
export interface InspectOptions {
  /** A cutover is refused what only a release must not meet (an ALB stickiness outlasting the drain). */
  readonly action?: 'cutover' | 'rollback';
}

export interface WriteOptions {
  /**
   * The write puts traffic back on the known-good side (a rollback, or the cleanup of a stopped
   * release): the router also undoes what would keep clients on the side left (ALB stickiness).
   */
  readonly restore?: boolean;
}

/** How a router says, in a dry-run plan, what it does that the others do not. */
export interface RouterWords {
  /** The attach step, e.g. "add green to the listener's forward action at weight 0 (...)". */
  attach(idle: Color): string;
  /** Why the health of an idle side that is not attached yet is unknown. */
  unattached(idle: Color): string;
  /** What the drain waits for, e.g. "its deregistration delay". */
  readonly drain: string;
  /** Where a side's drain time comes from, naming its resource, for a refusal that says when to retry. */
  drainSource(resource: string): string;
}
