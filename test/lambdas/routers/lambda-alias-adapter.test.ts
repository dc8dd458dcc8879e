import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { LambdaAliasTraffic, RuntimeConfig } from '../../../lambdas/shared/contract';
import { LambdaVersionDeployer } from '../../../lambdas/shared/deploys/lambda-version';
import { LambdaAliasRouter } from '../../../lambdas/shared/routers/lambda-alias';
import { awsError, CONFIG, cutoverState, rejected } from '../handlers/support';

const traffic: LambdaAliasTraffic = {
  type: 'lambda-alias',
  functionName: 'payments',
  aliasName: 'live',
  blueAliasName: 'blue',
  greenAliasName: 'green',
  healthCheck: { payload: { ping: true } },
};
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:payments';
const lambda = mockClient(LambdaClient);
const client = new LambdaClient({});

function aliasesAt(versions: Record<string, string | undefined>, revision = 'rev-1'): void {
  lambda.on(GetAliasCommand).callsFake((input: { Name: string }) => {
    const version = versions[input.Name];
    if (version === undefined)
      throw awsError('ResourceNotFoundException', `Cannot find alias arn: ${ARN}:${input.Name}`, 404);
    return {
      AliasArn: `${ARN}:${input.Name}`,
      Name: input.Name,
      FunctionVersion: version,
      RevisionId: `${revision}-${input.Name}`,
    };
  });
}

beforeEach(() => lambda.reset());

describe('LambdaAliasRouter', () => {
  it('writes the router with the RevisionId it read, and names sides by their helper alias ARNs', async () => {
    aliasesAt({ live: '4', blue: '4', green: '5' });
    lambda.on(UpdateAliasCommand).resolves({ FunctionVersion: '5', RevisionId: 'rev-2' });
    const router = new LambdaAliasRouter(client, traffic);
    const view = await router.read();
    expect(view).toMatchObject({
      live: 'blue',
      idle: 'green',
      scope: ARN,
      sides: { blue: `${ARN}:blue`, green: `${ARN}:green` },
    });
    await router.write('green');
    expect(lambda).toHaveReceivedCommandWith(UpdateAliasCommand, {
      FunctionName: 'payments',
      Name: 'live',
      FunctionVersion: '5',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-1-live',
    });
  });

  it('creates blue at the router version on the first release, and only then', async () => {
    aliasesAt({ live: '2' });
    lambda.on(CreateAliasCommand).resolves({});
    const router = new LambdaAliasRouter(client, traffic);
    expect(await router.read()).toMatchObject({ live: 'blue', idleAttached: false });
    expect(await router.attachIdle()).toBe(true);
    expect(lambda).toHaveReceivedCommandWith(CreateAliasCommand, { Name: 'blue', FunctionVersion: '2' });
    aliasesAt({ live: '2', blue: '2' });
    expect(await new LambdaAliasRouter(client, traffic).attachIdle()).toBe(false);
  });

  it('judges a side by its version through the helper alias and its smoke test', async () => {
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolves({ Version: '5', State: 'Active', LastUpdateStatus: 'Successful' });
    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: new TextEncoder().encode('{"errorMessage":"db down"}') as InvokeCommandOutput['Payload'],
    });
    const health = await new LambdaAliasRouter(client, traffic).sideHealth('green');
    expect(lambda).toHaveReceivedCommandWith(GetFunctionConfigurationCommand, {
      FunctionName: 'payments',
      Qualifier: 'green',
    });
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'payments', Qualifier: 'green' });
    expect(health).toMatchObject({ healthy: false, summary: expect.stringContaining('db down') });
  });
});

describe('LambdaVersionDeployer', () => {
  const config: RuntimeConfig = {
    ...CONFIG,
    traffic,
    deploy: { type: 'lambda-version', code: { s3Bucket: 'builds', s3Key: 'payments/{version}.zip' } },
  };
  const deployer = new LambdaVersionDeployer(
    client,
    config,
    { type: 'lambda-version', code: { s3Bucket: 'builds', s3Key: 'payments/{version}.zip' } },
    traffic,
  );
  const step = { name: 'Deploy', config, handBackAt: Date.now() + 60_000 };
  const SHA = `${'a'.repeat(43)}=`;
  const run = (deploy?: Parameters<typeof deployer.deploy>[0]['state']['deploy']) => {
    const state = cutoverState(deploy ? { deploy } : {});
    return {
      state: { ...state, roles: state.roles! },
      step,
      startedAt: new Date().toISOString(),
      version: 'v7',
      codeSha256: SHA,
    };
  };

  it('updates the code from S3 with the release version, publishes it pinned to codeSha256, and hands back', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'Successful' });
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    lambda.on(PublishVersionCommand).resolves({ Version: '7', CodeSha256: SHA });
    const progress = await deployer.deploy(run());
    expect(lambda).toHaveReceivedCommandWith(UpdateFunctionCodeCommand, {
      S3Bucket: 'builds',
      S3Key: 'payments/v7.zip',
    });
    expect(lambda).toHaveReceivedCommandWith(PublishVersionCommand, {
      FunctionName: 'payments',
      Description: 'v7',
      CodeSha256: SHA,
    });
    expect(progress).toMatchObject({ status: 'IN_PROGRESS', publishedVersion: '7', codeUpdated: true });
  });

  it('does not publish again once a version is recorded: it points the idle helper at it', async () => {
    aliasesAt({ blue: '6', green: '5' });
    lambda.on(UpdateAliasCommand).resolves({});
    const progress = await deployer.deploy(
      run({
        startedAt: new Date().toISOString(),
        attempt: 1,
        status: 'IN_PROGRESS',
        codeUpdated: true,
        publishedVersion: '7',
      }),
    );
    expect(lambda).not.toHaveReceivedCommand(PublishVersionCommand);
    expect(lambda).toHaveReceivedCommandWith(UpdateAliasCommand, {
      Name: 'green',
      FunctionVersion: '7',
      RevisionId: 'rev-1-green',
    });
    expect(progress).toMatchObject({ status: 'SUCCEEDED', publishedVersion: '7' });
  });

  it('fails with the reason when the code update fails (DeployFailed)', async () => {
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    lambda.on(GetFunctionConfigurationCommand).resolvesOnce({ LastUpdateStatus: 'Successful' }).resolves({
      LastUpdateStatus: 'Failed',
      LastUpdateStatusReason: 'image not found',
      LastUpdateStatusReasonCode: 'ImageAccessDenied',
    });
    const error = await rejected(deployer.deploy(run()));
    expect(error.name).toBe('DeployFailed');
    expect(error.details.message).toBe('the update of payments failed: image not found (ImageAccessDenied)');
  });

  it('refuses a publish that gives the version live already runs (nothing changed)', async () => {
    aliasesAt({ blue: '6', green: '5' });
    const error = await rejected(
      deployer.deploy(
        run({
          startedAt: new Date().toISOString(),
          attempt: 1,
          status: 'IN_PROGRESS',
          publishedVersion: '6',
        }),
      ),
    );
    expect(error.name).toBe('DeployFailed');
    expect(error.details.message).toContain('which blue (helper alias blue) already runs');
  });

  it('turns a refused publish into DeployFailed naming the pin', async () => {
    lambda.on(GetFunctionConfigurationCommand).resolves({ LastUpdateStatus: 'Successful' });
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    lambda
      .on(PublishVersionCommand)
      .rejects(awsError('InvalidParameterValueException', 'CodeSHA256 (x) is different', 400));
    const error = await rejected(deployer.deploy(run()));
    expect(error.details.message).toContain(
      `publishing payments pinned to codeSha256 ${SHA} was refused (InvalidParameterValueException`,
    );
  });
});
