import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type {
  AttributeDefinition,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  ProvisionedThroughput,
} from '@aws-sdk/client-dynamodb';
import { parseFunctionRef } from '../common/arn';
import { isObject, type Json, type JsonObject } from '../common/json';
import type { CfnResource, TemplateResolver } from './resolver';
import type {
  PolicyStatement,
  SynthesizedFunction,
  SynthesizedRole,
  SynthesizedRule,
  SynthesizedStateMachine,
  SynthesizedTable,
} from './types';

// One reader per resource type the runner uses, each from the resolved template to a Synthesized* value.

export function loadStateMachine(
  resolver: TemplateResolver,
  id: string,
  res: CfnResource,
): SynthesizedStateMachine {
  const props = res.Properties ?? {};
  let definition: Json;
  if (props.DefinitionString !== undefined) {
    let text = resolver.resolveString(props.DefinitionString, `${id}.DefinitionString`);
    const subs = props.DefinitionSubstitutions;
    if (isObject(subs)) {
      for (const [key, value] of Object.entries(subs)) {
        text = text
          .split(`\${${key}}`)
          .join(resolver.resolveString(value, `${id}.DefinitionSubstitutions.${key}`));
      }
    }
    definition = JSON.parse(text) as Json;
  } else if (props.Definition !== undefined) {
    definition = resolver.resolve(props.Definition, `${id}.Definition`);
  } else {
    throw new Error(
      `${id}: only DefinitionString / Definition can be run offline (not DefinitionS3Location)`,
    );
  }
  if (!isObject(definition) || typeof definition.StartAt !== 'string' || !isObject(definition.States)) {
    throw new Error(`${id}: the definition has no StartAt/States`);
  }
  if (definition.QueryLanguage === 'JSONata') {
    throw new Error(
      `${id}: JSONata state machines cannot run offline (aws-local-stepfunctions is JSONPath only)`,
    );
  }
  const timeout = definition.TimeoutSeconds;
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    roleArn: props.RoleArn === undefined ? '' : resolver.resolveString(props.RoleArn, `${id}.RoleArn`),
    role: loadRole(resolver, props.RoleArn ?? null),
    type:
      props.StateMachineType === undefined
        ? 'STANDARD'
        : resolver.resolveString(props.StateMachineType, `${id}.StateMachineType`),
    definition,
    timeoutSeconds: typeof timeout === 'number' ? timeout : undefined,
  };
}

/** objectKey (`<hash>.zip`) -> asset directory, from `<stack>.assets.json`. */
export function readAssetPaths(assetsFile: string | undefined): Map<string, string> {
  const paths = new Map<string, string>();
  if (!assetsFile || !existsSync(assetsFile)) return paths;
  const manifest = JSON.parse(readFileSync(assetsFile, 'utf8')) as {
    files?: Record<
      string,
      { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }
    >;
  };
  for (const file of Object.values(manifest.files ?? {})) {
    if (!file.source?.path) continue;
    for (const dest of Object.values(file.destinations ?? {})) {
      if (dest.objectKey) paths.set(dest.objectKey, file.source.path);
    }
  }
  return paths;
}

export function loadFunction(
  resolver: TemplateResolver,
  id: string,
  res: CfnResource,
  assemblyDir: string,
  assetPaths: Map<string, string>,
  roleOf: (role: Json) => SynthesizedRole,
): SynthesizedFunction {
  const props = res.Properties ?? {};
  const environment: Record<string, string> = {};
  const vars = isObject(props.Environment) ? props.Environment.Variables : undefined;
  if (isObject(vars)) {
    for (const [key, value] of Object.entries(vars)) {
      environment[key] = resolver.resolveString(value, `${id}.Environment.Variables.${key}`);
    }
  }
  // `aws:asset:path` is only written when asset metadata is enabled (the CDK CLI does so, a bare
  // `app.synth()` does not), so the assets manifest, keyed by the S3 object key, is the fallback.
  let assetPath: string | undefined;
  const meta = res.Metadata ?? {};
  if (typeof meta['aws:asset:path'] === 'string' && meta['aws:asset:property'] === 'Code') {
    assetPath = meta['aws:asset:path'];
  } else if (isObject(props.Code) && props.Code.S3Key !== undefined) {
    assetPath = assetPaths.get(resolver.resolveString(props.Code.S3Key, `${id}.Code.S3Key`));
  }
  const assetDir =
    assetPath === undefined ? undefined : isAbsolute(assetPath) ? assetPath : join(assemblyDir, assetPath);
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    handler: props.Handler === undefined ? '' : resolver.resolveString(props.Handler, `${id}.Handler`),
    runtime: props.Runtime === undefined ? '' : resolver.resolveString(props.Runtime, `${id}.Runtime`),
    timeoutSeconds:
      props.Timeout === undefined ? 3 : Number(resolver.resolve(props.Timeout, `${id}.Timeout`)),
    memoryMb:
      props.MemorySize === undefined ? 128 : Number(resolver.resolve(props.MemorySize, `${id}.MemorySize`)),
    environment,
    assetDir: assetDir && existsSync(assetDir) && statSync(assetDir).isDirectory() ? assetDir : undefined,
    role: roleOf(props.Role ?? null),
  };
}

/**
 * The statements that apply to a role: the role's inline policies and every AWS::IAM::Policy of the
 * template that names the role. `role` is the function's `Role` property (usually a GetAtt).
 */
export function loadRole(resolver: TemplateResolver, role: Json): SynthesizedRole {
  const logicalId =
    isObject(role) && Array.isArray(role['Fn::GetAtt']) ? String(role['Fn::GetAtt'][0]) : undefined;
  const arn = role === null ? '' : resolver.resolveString(role, 'Role');
  const statements: PolicyStatement[] = [];
  const managedPolicyArns: string[] = [];
  const addDocument = (doc: Json, where: string) => {
    const resolved = resolver.resolve(doc, where);
    const list = isObject(resolved) ? resolved.Statement : undefined;
    for (const st of Array.isArray(list) ? list : isObject(list) ? [list] : []) {
      if (!isObject(st)) continue;
      const strings = (v: Json | undefined) =>
        (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(String);
      statements.push({
        Effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
        Action: strings(st.Action),
        Resource: strings(st.Resource),
        ...(isObject(st.Condition) ? { Condition: st.Condition as PolicyStatement['Condition'] } : {}),
      });
    }
  };
  const roleResource = logicalId ? resolver.template.Resources[logicalId] : undefined;
  if (logicalId && roleResource?.Type === 'AWS::IAM::Role') {
    const props = roleResource.Properties ?? {};
    const inline = Array.isArray(props.Policies) ? props.Policies : [];
    inline.forEach((p, i) => {
      if (isObject(p)) addDocument(p.PolicyDocument ?? null, `${logicalId}.Policies.${i}`);
    });
    const managed = Array.isArray(props.ManagedPolicyArns) ? props.ManagedPolicyArns : [];
    managed.forEach((m, i) => {
      managedPolicyArns.push(resolver.resolveString(m, `${logicalId}.ManagedPolicyArns.${i}`));
    });
    for (const [id, res] of Object.entries(resolver.template.Resources)) {
      if (res.Type !== 'AWS::IAM::Policy' || !resolver.exists(id)) continue;
      const roles = res.Properties?.Roles;
      const names = Array.isArray(roles) ? roles : [];
      if (names.some((r) => isObject(r) && r.Ref === logicalId))
        addDocument(res.Properties?.PolicyDocument ?? null, `${id}.PolicyDocument`);
    }
  }
  return { arn, statements, managedPolicyArns };
}

export function loadTable(resolver: TemplateResolver, id: string, res: CfnResource): SynthesizedTable {
  const props = resolver.resolve(res.Properties ?? {}, id);
  if (!isObject(props)) throw new Error(`${id}: malformed properties`);
  const name = resolver.physicalName(id);
  const keySchema = (props.KeySchema ?? []) as unknown as KeySchemaElement[];
  const attributeDefinitions = (props.AttributeDefinitions ?? []) as unknown as AttributeDefinition[];
  const billingMode = props.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const throughput = (value: Json | undefined): ProvisionedThroughput | undefined => {
    if (billingMode !== 'PROVISIONED') return undefined;
    if (isObject(value)) {
      return {
        ReadCapacityUnits: Number(value.ReadCapacityUnits ?? 5),
        WriteCapacityUnits: Number(value.WriteCapacityUnits ?? 5),
      };
    }
    return { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  };
  const indexes = (value: Json | undefined): JsonObject[] =>
    Array.isArray(value) ? value.filter(isObject) : [];
  const gsis: GlobalSecondaryIndex[] = indexes(props.GlobalSecondaryIndexes).map((i) => ({
    IndexName: String(i.IndexName),
    KeySchema: i.KeySchema as unknown as KeySchemaElement[],
    Projection: i.Projection as unknown as Projection,
    ProvisionedThroughput: throughput(i.ProvisionedThroughput),
  }));
  const lsis: LocalSecondaryIndex[] = indexes(props.LocalSecondaryIndexes).map((i) => ({
    IndexName: String(i.IndexName),
    KeySchema: i.KeySchema as unknown as KeySchemaElement[],
    Projection: i.Projection as unknown as Projection,
  }));
  const stream = isObject(props.StreamSpecification) ? props.StreamSpecification.StreamViewType : undefined;
  const ttl = isObject(props.TimeToLiveSpecification) ? props.TimeToLiveSpecification : undefined;
  return {
    logicalId: id,
    name,
    arn: resolver.arn(id),
    createTableInput: {
      TableName: name,
      KeySchema: keySchema,
      AttributeDefinitions: attributeDefinitions,
      BillingMode: billingMode,
      ProvisionedThroughput: throughput(props.ProvisionedThroughput),
      GlobalSecondaryIndexes: gsis.length > 0 ? gsis : undefined,
      LocalSecondaryIndexes: lsis.length > 0 ? lsis : undefined,
      StreamSpecification:
        typeof stream === 'string'
          ? {
              StreamEnabled: true,
              StreamViewType: stream as 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY',
            }
          : undefined,
    },
    ttlAttribute:
      ttl && ttl.Enabled !== false && typeof ttl.AttributeName === 'string' ? ttl.AttributeName : undefined,
  };
}

export function loadRule(
  resolver: TemplateResolver,
  id: string,
  res: CfnResource,
  functionsByArn: Map<string, string>,
): SynthesizedRule {
  const props = resolver.resolve(res.Properties ?? {}, id);
  if (!isObject(props) || !isObject(props.EventPattern)) throw new Error(`${id}: malformed rule`);
  const targets = (Array.isArray(props.Targets) ? props.Targets.filter(isObject) : []).map((t) => {
    const arn = String(t.Arn);
    const transformer = isObject(t.InputTransformer) ? t.InputTransformer : undefined;
    return {
      id: String(t.Id),
      arn,
      functionName: functionsByArn.get(parseFunctionRef(arn).arn ?? ''),
      input: typeof t.Input === 'string' ? t.Input : undefined,
      inputPath: typeof t.InputPath === 'string' ? t.InputPath : undefined,
      inputTransformer: transformer
        ? {
            inputPathsMap: Object.fromEntries(
              Object.entries(isObject(transformer.InputPathsMap) ? transformer.InputPathsMap : {}).map(
                ([k, v]) => [k, String(v)],
              ),
            ),
            inputTemplate: String(transformer.InputTemplate),
          }
        : undefined,
    };
  });
  return {
    logicalId: id,
    name: resolver.physicalName(id),
    arn: resolver.arn(id),
    enabled: props.State === undefined || props.State === 'ENABLED',
    eventPattern: props.EventPattern,
    targets,
  };
}
