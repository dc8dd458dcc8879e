import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { JsonObject } from '../common/json';

/** What the offline runner needs of a synthesized stack, every CloudFormation token resolved. */
export interface SynthesizedFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** e.g. `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment.Variables with every token resolved. */
  environment: Record<string, string>;
  /** Absolute path of the bundled code in cdk.out; undefined for inline code or container images. */
  assetDir?: string;
  /** The function's execution role: its statements (inline and AWS::IAM::Policy), tokens resolved. */
  role: SynthesizedRole;
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface SynthesizedRole {
  arn: string;
  statements: PolicyStatement[];
  /** Managed policies are named, not expanded (their text is not in the template). */
  managedPolicyArns: string[];
}

export interface SynthesizedTable {
  logicalId: string;
  name: string;
  arn: string;
  /** The template's key schema, billing mode, indexes and stream, as a DynamoDB CreateTable request. */
  createTableInput: CreateTableCommandInput;
  ttlAttribute?: string;
}

export interface SynthesizedRuleTarget {
  id: string;
  arn: string;
  /** Set when the target is a Lambda function of this stack. */
  functionName?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap: Record<string, string>; inputTemplate: string };
}

export interface SynthesizedRule {
  logicalId: string;
  name: string;
  arn: string;
  enabled: boolean;
  eventPattern: JsonObject;
  targets: SynthesizedRuleTarget[];
}

export interface SynthesizedStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  roleArn: string;
  /** The state machine's role (what it may invoke). */
  role: SynthesizedRole;
  type: string;
  /** The ASL exactly as synthesized, tokens resolved. */
  definition: JsonObject;
  timeoutSeconds?: number;
}

export interface SynthesizedWorkflow {
  cdkOutDir: string;
  stackName: string;
  region: string;
  account: string;
  partition: string;
  stateMachine: SynthesizedStateMachine;
  functions: SynthesizedFunction[];
  tables: SynthesizedTable[];
  rules: SynthesizedRule[];
  /** Functions that EventBridge would invoke when this state machine's executions are ABORTED or TIMED_OUT. */
  statusChangeTargets: string[];
}
