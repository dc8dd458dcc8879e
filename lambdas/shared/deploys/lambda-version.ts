import {
  type LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  type UpdateFunctionCodeCommandInput,
} from '@aws-sdk/client-lambda';
import { DeployFailed, type LambdaAliasTraffic, otherColor, type RuntimeConfig } from '../contract';
import { logger } from '../observability';
import { helperAliasOf } from '../routers/lambda-alias/aliases';
import { createAlias, getAlias, getConfiguration, updateAlias } from '../routers/lambda-alias/lambda';
import { pollUntil } from '../step';
import type { DeployConfigOf, Deployer, DeployProgress, DeployRun } from './port';
import { refusedAsDeployFailed } from './refused';

type Code = NonNullable<DeployConfigOf<'lambda-version'>['code']>;

/** The UpdateFunctionCode input of `code` for one release: `{version}` replaced by the release version. */
export function codeInput(functionName: string, code: Code, version: string): UpdateFunctionCodeCommandInput {
  const at = (value: string) => value.replaceAll('{version}', version);
  return 'imageUri' in code
    ? { FunctionName: functionName, ImageUri: at(code.imageUri) }
    : { FunctionName: functionName, S3Bucket: at(code.s3Bucket), S3Key: at(code.s3Key) };
}

/** Where the code went: "s3://bucket/key" or the image URI. */
export function describeCode(input: UpdateFunctionCodeCommandInput): string {
  return input.ImageUri ?? `s3://${input.S3Bucket}/${input.S3Key}`;
}

/**
 * `lambda-version`: optionally updates the function's code (`deploy.code`), waits until the update
 * succeeded, publishes `$LATEST` as a version described by the release version (pinned to the
 * input's `codeSha256` when given), then points the idle helper alias at it (creating it on the
 * first release). The published version is kept in the state, so a retry never publishes twice.
 */
export class LambdaVersionDeployer implements Deployer {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly config: RuntimeConfig,
    private readonly deployConfig: DeployConfigOf<'lambda-version'>,
    private readonly traffic: LambdaAliasTraffic,
  ) {}

  async deploy(run: DeployRun): Promise<DeployProgress> {
    const { functionName } = this.traffic;
    const { startedAt, version } = run;
    const attempt = (run.state.deploy?.attempt ?? 0) + 1;
    const until = Date.parse(startedAt) + this.config.healthTimeoutSeconds * 1000;
    const progress = { startedAt, attempt };
    const published = run.state.deploy?.publishedVersion;
    if (published) return this.pointIdle(run, published, progress);

    let codeUpdated = run.state.deploy?.codeUpdated ?? false;
    const { code } = this.deployConfig;
    if (code && !codeUpdated) {
      // An update already running (the pipeline's, or ours before a retry) must end first.
      const before = await this.waitForUpdate(run, until, false);
      if (before === 'hand-back')
        return {
          ...progress,
          status: 'IN_PROGRESS',
          message: 'waiting for an update of the function in progress',
        };
      const input = codeInput(functionName, code, version);
      await refusedAsDeployFailed(`updating the code of ${functionName} to ${describeCode(input)}`, () =>
        this.lambda.send(new UpdateFunctionCodeCommand(input)),
      );
      logger.info('updated the function code', { code: describeCode(input) });
      codeUpdated = true;
    }
    const settled = await this.waitForUpdate(run, until, true);
    if (settled === 'hand-back') {
      return {
        ...progress,
        status: 'IN_PROGRESS',
        codeUpdated,
        message: `waiting for the update of ${functionName} to succeed`,
      };
    }
    const version_ = await this.publish(run);
    logger.info('published a version', { version: version_ });
    // Handed back once, so that from here on every retry starts from the published version.
    return {
      ...progress,
      status: 'IN_PROGRESS',
      codeUpdated,
      publishedVersion: version_,
      message: `published version ${version_} of ${functionName}`,
    };
  }

  /**
   * Polls $LATEST until no update is in progress. `mustSucceed`: a failed update is DeployFailed
   * (after our own update); otherwise a failed earlier update is simply overwritten.
   */
  private async waitForUpdate(
    run: DeployRun,
    until: number,
    mustSucceed: boolean,
  ): Promise<'done' | 'hand-back'> {
    const { functionName } = this.traffic;
    let last = '';
    const polled = await pollUntil(
      run.step,
      { intervalMs: this.config.pollSeconds * 1000, until },
      async () => {
        const fn = await getConfiguration(this.lambda, functionName);
        last = fn.LastUpdateStatus ?? 'missing';
        if (last === 'Failed' && mustSucceed) {
          throw new DeployFailed(
            `the update of ${functionName} failed: ${fn.LastUpdateStatusReason ?? 'no reason given'}${fn.LastUpdateStatusReasonCode ? ` (${fn.LastUpdateStatusReasonCode})` : ''}`,
          );
        }
        return { done: last !== 'InProgress', value: last };
      },
    );
    if (polled.stop === 'expired') {
      throw new DeployFailed(
        `the update of ${functionName} was still ${last} after ${this.config.healthTimeoutSeconds} s (healthTimeoutSeconds)`,
      );
    }
    return polled.stop === 'done' ? 'done' : 'hand-back';
  }

  private async publish(run: DeployRun): Promise<string> {
    const { functionName } = this.traffic;
    const { codeSha256, version } = run;
    const out = await refusedAsDeployFailed(
      `publishing ${functionName}${codeSha256 ? ` pinned to codeSha256 ${codeSha256}` : ''}`,
      () =>
        this.lambda.send(
          new PublishVersionCommand({
            FunctionName: functionName,
            Description: version,
            ...(codeSha256 ? { CodeSha256: codeSha256 } : {}),
          }),
        ),
    );
    if (!out.Version || out.Version === '$LATEST') {
      throw new DeployFailed(
        `publishing ${functionName} answered no version number (${out.Version ?? 'none'})`,
      );
    }
    if (codeSha256 && out.CodeSha256 !== codeSha256) {
      throw new DeployFailed(
        `version ${out.Version} of ${functionName} has CodeSha256 ${out.CodeSha256 ?? 'none'}, not the build the input names (codeSha256 ${codeSha256})`,
      );
    }
    return out.Version;
  }

  /** Points the idle helper alias at the published version, creating it on the first release. */
  private async pointIdle(
    run: DeployRun,
    published: string,
    progress: { startedAt: string; attempt: number },
  ): Promise<DeployProgress> {
    const { functionName } = this.traffic;
    const { roles } = run.state;
    const liveHelper = helperAliasOf(this.traffic, roles.live);
    const idleHelper = helperAliasOf(this.traffic, roles.idle);
    const live = await getAlias(this.lambda, functionName, liveHelper);
    if (live?.functionVersion === published) {
      throw new DeployFailed(
        `publishing "${run.version}" gave version ${published} of ${functionName}, which ${roles.live} (helper alias ${liveHelper}) already runs: Lambda publishes no new version when $LATEST's code and configuration did not change; update the code (or configure deploy.code) before the release`,
      );
    }
    const idle = await getAlias(this.lambda, functionName, idleHelper);
    await refusedAsDeployFailed(`pointing helper alias ${idleHelper} at version ${published}`, () =>
      idle
        ? updateAlias(this.lambda, {
            functionName,
            name: idleHelper,
            functionVersion: published,
            ...(idle.revisionId ? { revisionId: idle.revisionId } : {}),
          })
        : createAlias(this.lambda, {
            functionName,
            name: idleHelper,
            functionVersion: published,
            description: `${otherColor(roles.live)} side of the blue-green releases of ${functionName}`,
          }),
    );
    logger.info('pointed the idle helper alias at the new version', {
      helper: idleHelper,
      version: published,
    });
    return {
      ...progress,
      status: 'SUCCEEDED',
      codeUpdated: run.state.deploy?.codeUpdated,
      publishedVersion: published,
      message: `version ${published} of ${functionName} ("${run.version}") is on ${roles.idle} (helper alias ${idleHelper})`,
    };
  }
}
