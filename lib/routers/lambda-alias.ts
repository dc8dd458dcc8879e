import { Aws } from 'aws-cdk-lib';
import type { LambdaAliasTraffic } from '../handler-contract';
import type { Grant, RouterGrants } from './grant';

/**
 * The function's unqualified ARN: as given, or built from its name in this stack's partition,
 * region and account (what Stack.formatArn renders for a stack without a fixed environment).
 */
export function functionArnOf(functionName: string): string {
  return functionName.startsWith('arn:')
    ? functionName
    : `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${functionName}`;
}

/** The ARNs of the router alias and the helper aliases (`function:name:alias`). */
export function aliasArns(traffic: LambdaAliasTraffic): { router: string; blue: string; green: string } {
  const fn = functionArnOf(traffic.functionName);
  return {
    router: `${fn}:${traffic.aliasName}`,
    blue: `${fn}:${traffic.blueAliasName}`,
    green: `${fn}:${traffic.greenAliasName}`,
  };
}

/**
 * The `lambda-alias` router: UpdateAlias on the router alias only, GetAlias on the three aliases,
 * CreateAlias on blue's helper (the first release creates it), the version's state and the smoke
 * test through the helper aliases only.
 */
export function lambdaAliasGrants(traffic: LambdaAliasTraffic): RouterGrants {
  const arns = aliasArns(traffic);
  const getAliases: Grant = { actions: ['lambda:GetAlias'], resources: [arns.router, arns.blue, arns.green] };
  const helpers = [arns.blue, arns.green];
  const health: Grant[] = [
    { actions: ['lambda:GetFunctionConfiguration'], resources: helpers },
    ...(traffic.healthCheck ? [{ actions: ['lambda:InvokeFunction'], resources: helpers }] : []),
  ];
  return {
    read: [getAliases],
    inspect: [
      { actions: ['lambda:GetFunctionConfiguration'], resources: [functionArnOf(traffic.functionName)] },
      getAliases,
    ],
    attach: [getAliases, { actions: ['lambda:CreateAlias'], resources: [arns.blue] }],
    write: [{ actions: ['lambda:UpdateAlias'], resources: [arns.router] }, getAliases],
    health,
    drain: [],
  };
}
