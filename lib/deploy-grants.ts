import { Aws } from 'aws-cdk-lib';
import type { DeployConfig, HooksConfig, TrafficConfig } from './handler-contract';
import type { Grant } from './routers';
import { aliasArns, functionArnOf } from './routers/lambda-alias';
import type { StepName } from './step-handlers';

/**
 * The lifecycle hooks each step may invoke, on their exact ARNs: BeforeTraffic the beforeTraffic
 * hook, the Watch (the bake) the afterTraffic hook; no other step invokes either.
 */
export function hookGrants(step: StepName, hooks: HooksConfig | undefined): Grant[] {
  const arn =
    step === 'before-traffic' ? hooks?.beforeTraffic : step === 'watch' ? hooks?.afterTraffic : undefined;
  return arn ? [{ actions: ['lambda:InvokeFunction'], resources: [arn] }] : [];
}

/** What the Deploy step may call for the configured deploy type, on exact ARNs. */
export function deployGrants(deploy: DeployConfig, traffic: TrafficConfig): Grant[] {
  switch (deploy.type) {
    case 'none':
      return [];
    case 'lambda-hook':
      return [{ actions: ['lambda:InvokeFunction'], resources: [deploy.functionArn] }];
    case 'lambda-version': {
      // The construct refuses lambda-version with any other router.
      if (traffic.type !== 'lambda-alias') return [];
      const fn = functionArnOf(traffic.functionName);
      const arns = aliasArns(traffic);
      const { code } = deploy;
      const grants: Grant[] = [
        {
          actions: [
            'lambda:GetFunctionConfiguration',
            ...(code ? ['lambda:UpdateFunctionCode'] : []),
            'lambda:PublishVersion',
          ],
          resources: [fn],
        },
        {
          actions: ['lambda:GetAlias', 'lambda:CreateAlias', 'lambda:UpdateAlias'],
          resources: [arns.blue, arns.green],
        },
      ];
      if (code && 's3Bucket' in code) {
        // Lambda reads the package with the caller's permissions; each release's key, `{version}` any.
        const key = code.s3Key.replaceAll('{version}', '*');
        grants.push({
          actions: ['s3:GetObject'],
          resources: [`arn:${Aws.PARTITION}:s3:::${code.s3Bucket.replaceAll('{version}', '*')}/${key}`],
        });
      }
      return grants;
    }
  }
}
