import { Aws } from 'aws-cdk-lib';
import type { DeployConfig, HooksConfig, TrafficConfig } from './handler-contract';
import type { Grant } from './routers';
import { onAnyResource } from './routers/grant';
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
    case 'ecs-service':
      return ecsServiceGrants(deploy);
  }
}

/** The ARN of a configured ECS service (a name is a service of the configured cluster). */
export function ecsServiceArn(cluster: string, service: string): string {
  if (service.startsWith('arn:')) return service;
  const clusterName = cluster.startsWith('arn:') ? (cluster.split('/').at(-1) ?? cluster) : cluster;
  return `arn:${Aws.PARTITION}:ecs:${Aws.REGION}:${Aws.ACCOUNT_ID}:service/${clusterName}/${service}`;
}

function ecsServiceGrants(deploy: Extract<DeployConfig, { type: 'ecs-service' }>): Grant[] {
  const services = [deploy.blueService, deploy.greenService].map((s) => ecsServiceArn(deploy.cluster, s));
  const roles = [deploy.taskRoleArn, deploy.executionRoleArn].filter((r): r is string => r !== undefined);
  return [
    { actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: services },
    onAnyResource(
      'ecs:DescribeTaskDefinition and ecs:RegisterTaskDefinition take no resource-level permissions; the revision is bounded by iam:PassRole on the configured task roles only',
      'ecs:DescribeTaskDefinition',
      'ecs:RegisterTaskDefinition',
    ),
    ...(roles.length > 0
      ? [
          {
            actions: ['iam:PassRole'],
            resources: [...new Set(roles)],
            conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
        ]
      : []),
  ];
}
