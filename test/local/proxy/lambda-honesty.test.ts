import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { FAKE_CREDENTIALS, REGION } from '../../../local/common/account';
import { type MotoServer, startMoto } from '../../../local/moto';
import {
  type LambdaAliasTrafficFixture,
  lambdaAliasFixture,
} from '../../../local/offline/traffic/lambda-alias';
import { HonestAws } from '../../../local/proxy/honest-aws';

let moto: MotoServer;
let proxy: HonestAws | undefined;
let world: LambdaAliasTrafficFixture;
let lambda: LambdaClient;

beforeAll(async () => {
  moto = await startMoto();
  world = await lambdaAliasFixture({
    service: 'honest-fn',
    moto,
    opts: {},
    startProxy: async () => {
      proxy = await HonestAws.start({ motoEndpoint: moto.endpoint });
      return proxy;
    },
  });
  lambda = new LambdaClient({
    endpoint: proxy!.endpoint,
    region: REGION,
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 1,
  });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await moto.stop();
});

async function refusal(send: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await send;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call was accepted');
}

describe('Lambda through the honest proxy', () => {
  it("refuses an UpdateAlias with a RevisionId that is no longer the alias's (412), as Lambda does", async () => {
    const read = await lambda.send(new GetAliasCommand({ FunctionName: 'honest-fn', Name: 'live' }));
    await world.setRouter('2');
    const refused = await refusal(
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'honest-fn',
          Name: 'live',
          FunctionVersion: '1',
          RevisionId: read.RevisionId,
        }),
      ),
    );
    expect(refused).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
    expect((await world.routerAlias()).version).toBe('2');
    const fresh = await lambda.send(new GetAliasCommand({ FunctionName: 'honest-fn', Name: 'live' }));
    expect(fresh.RevisionId).not.toBe(read.RevisionId);
  });

  it('refuses a weight for a version that does not exist (moto accepts it)', async () => {
    const refused = await refusal(
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'honest-fn',
          Name: 'live',
          FunctionVersion: '2',
          RoutingConfig: { AdditionalVersionWeights: { '99': 0.1 } },
        }),
      ),
    );
    expect(refused).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers Invoke of a version or alias itself, a scripted version with a function error', async () => {
    world.script('1', 'error');
    try {
      const broken = await lambda.send(new InvokeCommand({ FunctionName: 'honest-fn', Qualifier: '1' }));
      expect(broken.FunctionError).toBe('Unhandled');
      const ok = await lambda.send(new InvokeCommand({ FunctionName: 'honest-fn', Qualifier: 'blue' }));
      expect(ok.FunctionError).toBeUndefined();
      expect(ok.ExecutedVersion).toBe('2');
    } finally {
      world.clearSideHealth();
    }
  });

  it('refuses code from a missing S3 object and a publish pinned to another build', async () => {
    const missing = await refusal(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'honest-fn',
          S3Bucket: world.bucket,
          S3Key: 'builds/nope.zip',
        }),
      ),
    );
    expect(missing).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(missing.message).toContain('NoSuchKey');
    const sha = await world.uploadBuild('v9');
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'honest-fn',
        S3Bucket: world.bucket,
        S3Key: 'builds/v9.zip',
      }),
    );
    const updating = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'honest-fn' }));
    expect(updating.LastUpdateStatus).toBe('InProgress');
    await new Promise((r) => setTimeout(r, 400));
    const pinned = await refusal(
      lambda.send(new PublishVersionCommand({ FunctionName: 'honest-fn', CodeSha256: `${'A'.repeat(43)}=` })),
    );
    expect(pinned).toMatchObject({ name: 'InvalidParameterValueException' });
    expect(pinned.message).toContain(`current CodeSHA256 in $LATEST (${sha})`);
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: 'honest-fn', CodeSha256: sha }),
    );
    expect(published).toMatchObject({ Version: '3', State: 'Active', LastUpdateStatus: 'Successful' });
  });

  it('flags an UpdateAlias of the router that gives weight to an unhealthy version', async () => {
    world.script('3', 'error');
    try {
      await world.setRouter('2', { '3': 0.1 });
      expect(proxy!.lambda.violations).toHaveLength(1);
      expect(proxy!.lambda.violations[0]).toContain('10% to version 3, which was not healthy');
    } finally {
      world.clearSideHealth();
      await world.setRouter('2');
    }
  });
});
