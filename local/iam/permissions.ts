import type { PolicyStatement } from '../assembly/types';
import type { ApiCall } from '../proxy/api-calls';

/**
 * moto does not enforce IAM, so a handler could call something its role does not allow and every
 * offline run would still pass. This module says what IAM would check for a recorded call (action,
 * resources, condition keys, after the AWS Service Authorization Reference) and whether a role's
 * statements allow it.
 */

export interface RequiredPermission {
  /** `elasticloadbalancing:ModifyListener`. */
  readonly action: string;
  /** The ARN IAM authorizes against, or `*` where the action has no resource-level permissions. */
  readonly resource: string;
  /** Condition keys the request carries (e.g. `cloudwatch:namespace`). */
  readonly context: Readonly<Record<string, string>>;
}

export interface Account {
  readonly partition: string;
  readonly account: string;
}

/** IAM's service prefix where it differs from the SigV4 signing name. */
const IAM_PREFIX: Record<string, string> = { monitoring: 'cloudwatch' };

/** Operations whose IAM action has another name. */
const IAM_ACTION: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

const ALIAS_OPERATIONS = new Set(['GetAlias', 'CreateAlias', 'UpdateAlias', 'DeleteAlias']);

export function requiredPermissions(call: ApiCall, { partition, account }: Account): RequiredPermission[] {
  const prefix = IAM_PREFIX[call.service] ?? call.service;
  const action = IAM_ACTION[`${prefix}:${call.operation}`] ?? `${prefix}:${call.operation}`;
  const p = call.params;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${call.region}:${account}:${resource}`;
  const one = (resource: string, context: Record<string, string> = {}): RequiredPermission[] => [
    { action, resource, context },
  ];

  switch (prefix) {
    case 'elasticloadbalancing':
      // Describe* take no resource-level permissions; writes are authorized on the resource they change.
      if (call.operation.startsWith('Describe')) return one('*');
      if (typeof p.ListenerArn === 'string') return one(p.ListenerArn);
      if (typeof p.RuleArn === 'string') return one(p.RuleArn);
      if (typeof p.TargetGroupArn === 'string') return one(p.TargetGroupArn);
      if (typeof p.LoadBalancerArn === 'string') return one(p.LoadBalancerArn);
      return one('*');
    case 'dynamodb': {
      const table = String(p.TableName ?? '');
      const index = typeof p.IndexName === 'string' ? `/index/${p.IndexName}` : '';
      return one(table.startsWith('arn:') ? `${table}${index}` : arn('dynamodb', `table/${table}${index}`));
    }
    case 'cloudwatch': {
      if (call.operation === 'PutMetricData')
        return one('*', { 'cloudwatch:namespace': String(p.Namespace) });
      if (call.operation === 'DescribeAlarms') {
        const names = Array.isArray(p.AlarmNames) ? p.AlarmNames.map(String) : [];
        return names.length === 0
          ? one('*')
          : names.map((name) => ({ action, resource: arn('cloudwatch', `alarm:${name}`), context: {} }));
      }
      return one('*');
    }
    case 'events': {
      if (call.operation !== 'PutEvents') return one('*');
      const entries = Array.isArray(p.Entries) ? p.Entries : [];
      const buses = new Set(
        entries.map((e) => {
          const bus = e && typeof e === 'object' && 'EventBusName' in e ? String(e.EventBusName) : 'default';
          return bus.startsWith('arn:') ? bus : arn('events', `event-bus/${bus}`);
        }),
      );
      return [...buses].map((resource) => ({ action, resource, context: {} }));
    }
    case 'lambda': {
      const ref = String(p.FunctionName ?? '');
      const parts = ref.split(':');
      const base = ref.startsWith('arn:')
        ? parts.slice(0, 7).join(':')
        : arn('lambda', `function:${parts[0]}`);
      // Alias operations are authorized on the alias's ARN (function:name:alias).
      const alias = ALIAS_OPERATIONS.has(call.operation) && typeof p.Name === 'string' ? p.Name : undefined;
      const qualifier = alias ?? (ref.startsWith('arn:') ? parts[7] : (parts[1] ?? p.Qualifier));
      const needs = one(qualifier ? `${base}:${String(qualifier)}` : base);
      // Code from S3 is read with the caller's permissions.
      if (
        call.operation === 'UpdateFunctionCode' &&
        typeof p.S3Bucket === 'string' &&
        typeof p.S3Key === 'string'
      ) {
        needs.push({
          action: 's3:GetObject',
          resource: `arn:${partition}:s3:::${p.S3Bucket}/${p.S3Key}`,
          context: {},
        });
      }
      return needs;
    }
    default:
      return one('*');
  }
}

/** IAM's wildcard match: `*` any run of characters, `?` one; case-insensitive for actions. */
export function matchesPattern(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

function conditionsHold(
  condition: PolicyStatement['Condition'],
  context: Readonly<Record<string, string>>,
): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      const values = Array.isArray(expected) ? expected : [expected];
      if (actual === undefined) return false;
      if (operator === 'StringEquals' && !values.includes(actual)) return false;
      if (operator === 'StringLike' && !values.some((v) => matchesPattern(v, actual))) return false;
      if (operator !== 'StringEquals' && operator !== 'StringLike') return false;
    }
  }
  return true;
}

function statementMatches(st: PolicyStatement, need: RequiredPermission): boolean {
  return (
    st.Action.some((a) => matchesPattern(a, need.action, true)) &&
    st.Resource.some((r) => matchesPattern(r, need.resource)) &&
    conditionsHold(st.Condition, need.context)
  );
}

/** Allowed when some Allow statement matches and no Deny does (identity policies only). */
export function isAllowed(statements: readonly PolicyStatement[], need: RequiredPermission): boolean {
  if (statements.some((st) => st.Effect === 'Deny' && statementMatches(st, need))) return false;
  return statements.some((st) => st.Effect === 'Allow' && statementMatches(st, need));
}
