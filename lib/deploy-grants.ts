import { Aws } from 'aws-cdk-lib';
import type { DeployConfig, TrafficConfig } from './handler-contract';
import type { Grant } from './routers';
import { aliasArns, functionArnOf } from './routers/lambda-alias';

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
