import type { RuntimeConfig } from '../contract';
import type { Roles, WorkflowState } from '../state';
import type { Step } from '../step';

/** The Deploy step's part of the state: where the deploy is, so that the next invocation goes on from there. */
export type DeployProgress = NonNullable<WorkflowState['deploy']>;

/** A cutover being deployed: its state (roles resolved, action cutover) and the step running it. */
export interface DeployRun {
  readonly state: WorkflowState & { readonly roles: Roles };
  /** The release version. */
  readonly version: string;
  /** `codeSha256` of the execution input: the build the release must publish. */
  readonly codeSha256?: string;
  readonly step: Step;
  /** When this release's deploy started (ISO 8601); the deploy has healthTimeoutSeconds from then. */
  readonly startedAt: string;
}

/**
 * The deployer port: how the new version reaches the idle side, one adapter per `deploy.type`. One
 * call does as much as fits in the step's budget and answers IN_PROGRESS to be called again, or
 * SUCCEEDED; a deploy that cannot succeed throws DeployFailed.
 */
export interface Deployer {
  deploy(run: DeployRun): Promise<DeployProgress>;
}

export type DeployConfigOf<T extends RuntimeConfig['deploy']['type']> = Extract<
  RuntimeConfig['deploy'],
  { type: T }
>;
