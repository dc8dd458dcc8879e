import { parse, validate } from '@aws-sdk/util-arn-parser';
import { REGION } from './account';

/** A Lambda function as an API call or a template names it: by name, partial ARN or ARN, maybe qualified. */
export interface FunctionRef {
  readonly name: string;
  /** Version or alias (`$LATEST` included), when the reference carries one. */
  readonly qualifier?: string;
  /** The unqualified ARN, when the reference was a full ARN. */
  readonly arn?: string;
}

/**
 * Reads every form Lambda accepts for `FunctionName`: `name`, `name:qualifier`,
 * `account:function:name[:qualifier]` and `arn:partition:lambda:region:account:function:name[:qualifier]`.
 */
export function parseFunctionRef(ref: string): FunctionRef {
  if (validate(ref)) {
    const arn = parse(ref);
    const [kind, name = '', qualifier] = arn.resource.split(':');
    if (arn.service !== 'lambda' || kind !== 'function') return { name: '' };
    return {
      name,
      ...(qualifier !== undefined ? { qualifier } : {}),
      arn: `arn:${arn.partition}:lambda:${arn.region}:${arn.accountId}:function:${name}`,
    };
  }
  const parts = ref.split(':');
  if (parts[1] === 'function') return withQualifier(parts[2] ?? '', parts[3]);
  if (parts.length === 2) return withQualifier(parts[0] ?? '', parts[1]);
  return { name: ref };
}

function withQualifier(name: string, qualifier: string | undefined): FunctionRef {
  return qualifier === undefined ? { name } : { name, qualifier };
}

/** The region an ARN names; ARNs of global resources (and malformed ones) count as us-east-1. */
export function regionOf(arn: string): string {
  return (validate(arn) ? parse(arn).region : '') || REGION;
}

/** The listener a listener rule belongs to (`.../listener-rule/app/lb/id/lid/rid` -> `.../listener/app/lb/id/lid`). */
export function listenerOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}
