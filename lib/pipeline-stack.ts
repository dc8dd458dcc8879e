import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/** The object the pipeline watches in its source bucket, and the file inside it that is the input. */
export const RELEASE_SOURCE = { key: 'release.zip', inputFile: 'release.json' } as const;

export interface ReleasePipelineStackProps extends StackProps {
  readonly service: string;
  /** The release workflow of the service (`BlueGreenCutover.stateMachine`). */
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * An example pipeline whose last stage releases through the workflow: the source is `release.zip`
 * in a bucket of this stack (your build uploads it, holding `release.json` with the execution input,
 * e.g. `{"action":"cutover","version":"2026.11.27-1"}`), the last action the Step Functions invoke
 * action with that file as the input. The action waits for the execution, so the pipeline fails
 * when the release fails (any error of the contract, also RolledBack).
 */
export class ReleasePipelineStack extends Stack {
  readonly pipeline: codepipeline.Pipeline;
  /** Upload `release.zip` here to start a release. */
  readonly sourceBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReleasePipelineStackProps) {
    super(scope, id, {
      description: `Example release pipeline of ${props.service} (last stage: its blue-green workflow)`,
      ...props,
    });
    this.sourceBucket = new s3.Bucket(this, 'ReleaseSource', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'ReleaseSourceBucket', {
      value: this.sourceBucket.bucketName,
      description: `Upload ${RELEASE_SOURCE.key} (holding ${RELEASE_SOURCE.inputFile}) here to release`,
    });
    const source = new codepipeline.Artifact('Release');
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: `bluegreen-${props.service}-release`,
      pipelineType: codepipeline.PipelineType.V2,
      restartExecutionOnUpdate: false,
      stages: [
        {
          stageName: 'Source',
          actions: [
            new actions.S3SourceAction({
              actionName: 'ReleaseFile',
              bucket: this.sourceBucket,
              bucketKey: RELEASE_SOURCE.key,
              output: source,
              trigger: actions.S3Trigger.POLL,
            }),
          ],
        },
        {
          stageName: 'Release',
          actions: [
            new actions.StepFunctionInvokeAction({
              actionName: 'BlueGreenRelease',
              stateMachine: props.stateMachine,
              stateMachineInput: actions.StateMachineInput.filePath(source.atPath(RELEASE_SOURCE.inputFile)),
            }),
          ],
        },
      ],
    });
  }
}

/**
 * The app's switch: with `-c pipeline=true` the example pipeline stack `BlueGreen-<service>-Pipeline`
 * is added next to the service's stack; otherwise nothing is.
 */
export function addReleasePipeline(
  scope: Construct,
  service: string,
  stateMachine: sfn.IStateMachine,
): ReleasePipelineStack | undefined {
  const flag: unknown = scope.node.tryGetContext('pipeline');
  if (flag !== true && flag !== 'true') return undefined;
  return new ReleasePipelineStack(scope, `BlueGreen-${service}-Pipeline`, { service, stateMachine });
}
