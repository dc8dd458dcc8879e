/**
 * What a router (or a deploy type) needs of IAM, by what the workflow does with it. Each step says
 * which router uses it makes (STEP_ROUTER_USES); each adapter says which calls a use takes, on which
 * exact ARNs. A grant on `*` must say why: only calls that take no resource-level permissions get one.
 */

/** What a step does with the router; one per method of the router port. */
export type RouterUse = 'read' | 'inspect' | 'attach' | 'write' | 'health' | 'drain';

export interface Grant {
  readonly actions: readonly string[];
  /** Exact ARNs, or `['*']` with `why`. */
  readonly resources: readonly string[];
  readonly why?: string;
  readonly conditions?: Record<string, Record<string, string | readonly string[]>>;
}

export type RouterGrants = Record<RouterUse, readonly Grant[]> & {
  /**
   * Both sides are always referenced by the router, so the Attach step never gets past its first
   * check and needs no permission at all.
   */
  readonly alwaysAttached?: boolean;
};

/** Statements that take no resource-level permissions, with the reason in the policy's review. */
export function onAnyResource(why: string, ...actions: string[]): Grant {
  return { actions, resources: ['*'], why };
}
