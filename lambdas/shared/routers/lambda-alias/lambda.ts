import {
  type AliasConfiguration,
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  type GetFunctionConfigurationCommandOutput,
  InvokeCommand,
  type LambdaClient,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import type { AliasState } from './aliases';
import type { SmokeTest } from './health';
import { functionErrorDetail } from './health';

/** The Lambda calls of the lambda-alias router and the lambda-version deploy. */

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function aliasState(alias: AliasConfiguration): AliasState {
  return {
    functionVersion: alias.FunctionVersion ?? '',
    weights: { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) },
    ...(alias.RevisionId ? { revisionId: alias.RevisionId } : {}),
    ...(alias.AliasArn ? { aliasArn: alias.AliasArn } : {}),
  };
}

/** GetAlias; undefined when the alias (or the function) does not exist. */
export async function getAlias(
  client: LambdaClient,
  functionName: string,
  name: string,
): Promise<AliasState | undefined> {
  try {
    return aliasState(await client.send(new GetAliasCommand({ FunctionName: functionName, Name: name })));
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** UpdateAlias, refused by Lambda (PreconditionFailedException) when the alias changed since `revisionId`. */
export async function updateAlias(
  client: LambdaClient,
  input: {
    readonly functionName: string;
    readonly name: string;
    readonly functionVersion: string;
    readonly weights?: Record<string, number>;
    readonly revisionId?: string;
  },
): Promise<AliasState> {
  const out = await client.send(
    new UpdateAliasCommand({
      FunctionName: input.functionName,
      Name: input.name,
      FunctionVersion: input.functionVersion,
      RoutingConfig: { AdditionalVersionWeights: input.weights ?? {} },
      ...(input.revisionId ? { RevisionId: input.revisionId } : {}),
    }),
  );
  return aliasState(out);
}

export async function createAlias(
  client: LambdaClient,
  input: {
    readonly functionName: string;
    readonly name: string;
    readonly functionVersion: string;
    readonly description: string;
  },
): Promise<AliasState> {
  const out = await client.send(
    new CreateAliasCommand({
      FunctionName: input.functionName,
      Name: input.name,
      FunctionVersion: input.functionVersion,
      Description: input.description,
    }),
  );
  return aliasState(out);
}

/** GetFunctionConfiguration of the function ($LATEST) or of a version or alias (`qualifier`). */
export function getConfiguration(
  client: LambdaClient,
  functionName: string,
  qualifier?: string,
): Promise<GetFunctionConfigurationCommandOutput> {
  return client.send(
    new GetFunctionConfigurationCommand({
      FunctionName: functionName,
      ...(qualifier ? { Qualifier: qualifier } : {}),
    }),
  );
}

/** Invokes `qualifier` (a helper alias) with `payload` and reads whether it answered a function error. */
export async function smokeTest(
  client: LambdaClient,
  functionName: string,
  qualifier: string,
  payload: unknown,
): Promise<SmokeTest> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      Qualifier: qualifier,
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
    { abortSignal: AbortSignal.timeout(SMOKE_TEST_MS) },
  );
  if (!out.FunctionError) return {};
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  return { functionError: out.FunctionError, detail: functionErrorDetail(text) };
}

/** How long one smoke test may take: well inside the shortest step that reads health. */
export const SMOKE_TEST_MS = 10_000;
