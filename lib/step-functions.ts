import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The step handlers, by folder under lambdas/, with the time each may run. */
export const STEPS = {
  validate: 10,
  'acquire-lease': 20,
  'resolve-roles': 30,
  attach: 20,
  deploy: 75,
  'wait-healthy': 75,
  gate: 30,
  'switch-traffic': 30,
  watch: 75,
  finalize: 20,
  abort: 20,
  rollback: 30,
  'await-rollback': 75,
  'on-execution-ended': 30,
} as const;

export type StepName = keyof typeof STEPS;

function entryFor(step: StepName): string {
  // Works from the TypeScript sources and from a compiled copy alike.
  const ts = join(__dirname, '..', 'lambdas', step, 'index.ts');
  return existsSync(ts) ? ts : join(__dirname, '..', 'lambdas', step, 'index.js');
}

export interface StepFunctionProps {
  readonly step: StepName;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
}

/**
 * One step handler: Node.js 22 on arm64, bundled by esbuild with its SDK clients inside (the
 * version tested is the version run), X-Ray tracing, JSON logs kept for the configured time.
 */
export class StepFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: entryFor(props.step),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(STEPS[props.step]),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      environment: props.environment,
      description: `blue-green ${props.step} step`,
      bundling: {
        externalModules: [],
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        target: 'node22',
      },
    });
    // Findings of the AWS Solutions checks (cdk-nag) that are the design, each with its constraint.
    const findings = Validations.of(this.fn);
    findings.acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only lets the function write CloudWatch Logs; the log group is its own, with the configured retention',
    });
    findings.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Only for actions that take no resource-level permissions: X-Ray's PutTraceSegments/PutTelemetryRecords, Elastic Load Balancing Describe*, and CloudWatch PutMetricData (narrowed by a cloudwatch:namespace condition)",
    });
    findings.acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The handlers are built and tested for nodejs22.x (esbuild target node22); the runtime moves with the project, not per deploy',
    });
  }
}
