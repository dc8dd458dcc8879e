import { createHash } from 'node:crypto';
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { ACCOUNT, FAKE_CREDENTIALS, REGION } from '../../common/account';
import { cloudWatchClient } from '../../fixtures/clients';
import type { HonestAws, VersionBehaviour, VersionStatus } from '../../proxy/honest-aws';
import type { Side, TrafficFixture, TrafficFixtureContext } from './types';

/**
 * The `lambda-alias` world: a function with two published versions, the router alias `live` at
 * version 2, blue's helper alias at version 2 (green's does not exist until the first deploy), a
 * bucket for builds, and Lambda-style alarms (Errors, Duration), OK.
 */
export interface LambdaAliasTrafficFixture extends TrafficFixture {
  readonly type: 'lambda-alias';
  readonly functionName: string;
  readonly functionArn: string;
  readonly aliasName: string;
  readonly helperAliases: Record<Side, string>;
  /** The bucket `uploadBuild` puts builds into (`builds/<version>.zip`). */
  readonly bucket: string;
  /** The version a helper alias points at (undefined: it does not exist). */
  helperVersion(color: Side): Promise<string | undefined>;
  /** A published version's description and code hash, as Lambda holds them. */
  describeVersion(version: string): Promise<{ Description?: string; CodeSha256?: string; Version?: string }>;
  /** The router alias as Lambda holds it. */
  routerAlias(): Promise<{ version: string; weights: Record<string, number> }>;
  /** How `version` answers Invoke from now on (`error`: a function error, as a broken build). */
  script(version: string, behaviour: VersionBehaviour): void;
  /** What GetFunctionConfiguration reports for `version` (undefined: Active, Successful). */
  setVersionStatus(version: string, status: VersionStatus | undefined): void;
  /** Uploads a build to `s3://<bucket>/builds/<version>.zip`; answers its CodeSha256 (base64). */
  uploadBuild(version: string): Promise<string>;
  /** Updates $LATEST's code, as a pipeline does before a release; answers its CodeSha256. */
  pushCode(build: string): Promise<string>;
  /** Sets the router alias by hand (someone editing it in the console). */
  setRouter(version: string, weights?: Record<string, number>): Promise<void>;
  /** Sets the router alias by hand just before the workflow's next write of it reaches Lambda. */
  editRouterBeforeNextWrite(version: string, weights?: Record<string, number>): void;
  /** Points a helper alias at `version`, creating it if needed; undefined deletes it. */
  setHelper(color: Side, version: string | undefined): Promise<void>;
}

const ROLE = 'bluegreen-offline-function';

/** moto does not check signatures; the credential scope routes a request to the service. */
function fakeAuth(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

async function motoRequest(endpoint: string, service: string, method: string, path: string, body = '') {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: {
      authorization: fakeAuth(service),
      'content-type': service === 'iam' ? 'application/x-www-form-urlencoded' : 'application/octet-stream',
    },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  const text = await res.text();
  if (res.status >= 300 && !(service === 'iam' && text.includes('EntityAlreadyExists'))) {
    throw new Error(`moto ${service} ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  }
}

/** A deployment package's stand-in: moto stores the bytes and hashes them like Lambda does. */
function build(label: string): Buffer {
  return Buffer.from(`build ${label}`, 'utf8');
}

export function codeSha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

export async function lambdaAliasFixture(ctx: TrafficFixtureContext): Promise<LambdaAliasTrafficFixture> {
  const { opts, moto, service } = ctx;
  const functionName = service;
  const aliasName = 'live';
  const helperAliases: Record<Side, string> = { blue: 'blue', green: 'green' };
  const bucket = `${service}-builds`;
  const direct = new LambdaClient({
    endpoint: moto.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });

  await motoRequest(
    moto.endpoint,
    'iam',
    'POST',
    '/',
    new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }).toString(),
  );
  await motoRequest(moto.endpoint, 's3', 'PUT', `/${bucket}`);
  await direct.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: 'nodejs22.x',
      Role: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`,
      Handler: 'index.handler',
      Code: { ZipFile: build('v1') },
    }),
  );
  await direct.send(new PublishVersionCommand({ FunctionName: functionName, Description: 'v1' }));
  await direct.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: build('v2') }));
  await direct.send(new PublishVersionCommand({ FunctionName: functionName, Description: 'v2' }));
  await direct.send(
    new CreateAliasCommand({ FunctionName: functionName, Name: aliasName, FunctionVersion: '2' }),
  );
  await direct.send(
    new CreateAliasCommand({ FunctionName: functionName, Name: helperAliases.blue, FunctionVersion: '2' }),
  );

  const alarmNames = opts.alarms ?? [`${service}-errors`, `${service}-duration`];
  const cloudWatch = cloudWatchClient(moto.endpoint);
  for (const [i, name] of alarmNames.entries()) {
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/Lambda',
        MetricName: i % 2 === 0 ? 'Errors' : 'Duration',
        Dimensions: [
          { Name: 'FunctionName', Value: functionName },
          { Name: 'Resource', Value: `${functionName}:${aliasName}` },
        ],
        Statistic: i % 2 === 0 ? 'Sum' : 'Maximum',
        Period: 1,
        EvaluationPeriods: 1,
        Threshold: i % 2 === 0 ? 1 : 3000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await cloudWatch.send(
      new SetAlarmStateCommand({
        AlarmName: name,
        StateValue: 'OK',
        StateReason: 'fixture',
      }),
    );
  }

  const aws: HonestAws = await ctx.startProxy();
  aws.lambda.serve(functionName, aliasName, [helperAliases.blue, helperAliases.green]);
  // Hand edits go through the proxy, so the aliases' revisions change as Lambda's would.
  const edits = new LambdaClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });

  const aliasOf = async (name: string) => {
    try {
      const a = await direct.send(new GetAliasCommand({ FunctionName: functionName, Name: name }));
      return {
        version: a.FunctionVersion ?? '',
        weights: { ...(a.RoutingConfig?.AdditionalVersionWeights ?? {}) },
      };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  const setRouter = async (version: string, weights: Record<string, number> = {}) => {
    await edits.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: aliasName,
        FunctionVersion: version,
        RoutingConfig: { AdditionalVersionWeights: weights },
      }),
    );
  };
  const versionsOf = async () => ({
    blue: (await aliasOf(helperAliases.blue))?.version,
    green: (await aliasOf(helperAliases.green))?.version,
  });
  const sideOf = (versions: Record<Side, string | undefined>, version: string): Side | undefined =>
    versions.blue === version ? 'blue' : versions.green === version ? 'green' : undefined;

  return {
    type: 'lambda-alias',
    functionName,
    functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    aliasName,
    helperAliases,
    bucket,
    traffic: { type: 'lambda-alias', functionName, aliasName },
    alarmNames,
    async weights() {
      const router = await aliasOf(aliasName);
      const versions = await versionsOf();
      const weights: Record<Side, number | null> = {
        blue: versions.blue === undefined ? null : 0,
        green: versions.green === undefined ? null : 0,
      };
      if (!router) return weights;
      let rest = 100;
      for (const [version, weight] of Object.entries(router.weights)) {
        const side = sideOf(versions, version);
        const share = Math.round(weight * 100);
        rest -= share;
        if (side) weights[side] = share;
      }
      const primary = sideOf(versions, router.version);
      if (primary) weights[primary] = rest;
      return weights;
    },
    setSideHealth(color, state) {
      aws.lambda.setAliasHealth(functionName, helperAliases[color], state);
    },
    clearSideHealth() {
      aws.lambda.reset();
    },
    async writeAsIs() {
      const router = await aliasOf(aliasName);
      if (!router) throw new Error(`alias ${aliasName} of ${functionName} does not exist`);
      await setRouter(router.version, router.weights);
    },
    violations: () => aws.lambda.violations,
    writes: () =>
      aws.lambda.aliasWrites.map((w) => ({
        at: w.at,
        router: `alias ${w.alias}`,
        weights: {
          blue: sharesOfHelper(w.weights, w.helpers[helperAliases.blue]),
          green: sharesOfHelper(w.weights, w.helpers[helperAliases.green]),
        },
        accepted: w.accepted,
        ...(w.violation ? { violation: w.violation } : {}),
      })),
    async describeVersion(version) {
      const out = await direct.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
      );
      return { Description: out.Description, CodeSha256: out.CodeSha256, Version: out.Version };
    },
    helperVersion: async (color) => (await aliasOf(helperAliases[color]))?.version,
    routerAlias: async () => {
      const router = await aliasOf(aliasName);
      if (!router) throw new Error(`alias ${aliasName} of ${functionName} does not exist`);
      return router;
    },
    script: (version, behaviour) => aws.lambda.script(functionName, version, behaviour),
    setVersionStatus: (version, status) => aws.lambda.setVersionStatus(functionName, version, status),
    async uploadBuild(version) {
      const bytes = build(version);
      await motoRequest(
        moto.endpoint,
        's3',
        'PUT',
        `/${bucket}/builds/${encodeURIComponent(version)}.zip`,
        bytes.toString('utf8'),
      );
      return codeSha256(bytes);
    },
    async pushCode(label) {
      const out = await direct.send(
        new UpdateFunctionCodeCommand({ FunctionName: functionName, ZipFile: build(label) }),
      );
      return out.CodeSha256 ?? '';
    },
    setRouter,
    editRouterBeforeNextWrite(version, weights) {
      aws.lambda.editBeforeNextRouterWrite(() => setRouter(version, weights));
    },
    async setHelper(color, version) {
      const name = helperAliases[color];
      const exists = (await aliasOf(name)) !== undefined;
      if (version === undefined) {
        if (exists) await edits.send(new DeleteAliasCommand({ FunctionName: functionName, Name: name }));
      } else if (exists) {
        await edits.send(
          new UpdateAliasCommand({ FunctionName: functionName, Name: name, FunctionVersion: version }),
        );
      } else {
        await edits.send(
          new CreateAliasCommand({ FunctionName: functionName, Name: name, FunctionVersion: version }),
        );
      }
    },
  };
}

/** A side's share of one write: its helper's version's share (null: the helper did not exist). */
function sharesOfHelper(weights: Record<string, number>, version: string | undefined): number | null {
  return version === undefined ? null : (weights[version] ?? 0);
}
