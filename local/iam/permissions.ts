import type { PolicyStatement } from '../assembly/types';
import { normalizedRecordName } from '../offline/product';
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
  /**
   * Condition keys the request carries (e.g. `cloudwatch:namespace`); a multi-valued key (e.g.
   * `route53:ChangeResourceRecordSetsActions`, one value per change) as a list.
   */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
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
  const one = (resource: string, context: RequiredPermission['context'] = {}): RequiredPermission[] => [
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
    case 'ecs': {
      const cluster = String(p.cluster ?? 'default');
      const clusterName = cluster.startsWith('arn:') ? (cluster.split('/').at(-1) ?? cluster) : cluster;
      const serviceArn = (service: unknown) => {
        const name = String(service ?? '');
        return name.startsWith('arn:') ? name : arn('ecs', `service/${clusterName}/${name}`);
      };
      switch (call.operation) {
        case 'DescribeServices': {
          const services = Array.isArray(p.services) ? p.services : [];
          return services.map((s) => ({ action, resource: serviceArn(s), context: {} }));
        }
        case 'UpdateService':
          return one(serviceArn(p.service));
        case 'RegisterTaskDefinition': {
          // No resource-level permissions; the roles the revision names are passed to ECS.
          const roles = [p.taskRoleArn, p.executionRoleArn].filter((r): r is string => typeof r === 'string');
          return [
            ...one('*'),
            ...[...new Set(roles)].map((resource) => ({
              action: 'iam:PassRole',
              resource,
              context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
            })),
          ];
        }
        default:
          return one('*');
      }
    }
    case 'states':
      // DescribeExecution and friends are authorized on the execution's ARN.
      return one(typeof p.executionArn === 'string' ? p.executionArn : '*');
    case 'route53': {
      // Route 53 resources are global: no region, no account.
      const global = (resource: string) => `arn:${partition}:route53:::${resource}`;
      const bare = (id: unknown, kind: string) => String(id ?? '').replace(new RegExp(`^/?${kind}/`), '');
      switch (call.operation) {
        case 'ChangeResourceRecordSets': {
          const changes = Array.isArray(p.Changes) ? (p.Changes as Array<Record<string, unknown>>) : [];
          return one(global(`hostedzone/${bare(p.HostedZoneId, 'hostedzone')}`), {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
              ...new Set(changes.map((c) => normalizedRecordName(String(c.Name ?? '')))),
            ],
            'route53:ChangeResourceRecordSetsRecordTypes': [
              ...new Set(changes.map((c) => String(c.Type ?? ''))),
            ],
            'route53:ChangeResourceRecordSetsActions': [
              ...new Set(changes.map((c) => String(c.Action ?? ''))),
            ],
          });
        }
        case 'ListResourceRecordSets':
          return one(global(`hostedzone/${bare(p.HostedZoneId, 'hostedzone')}`));
        case 'GetChange':
          return one(global(`change/${bare(p.Id, 'change')}`));
        case 'GetHealthCheckStatus':
          return one(global(`healthcheck/${String(p.HealthCheckId ?? '')}`));
        default:
          return one('*');
      }
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

function matchesOperator(operator: string, expected: readonly string[], actual: string): boolean | undefined {
  if (operator === 'StringEquals') return expected.includes(actual);
  if (operator === 'StringLike') return expected.some((v) => matchesPattern(v, actual));
  return undefined;
}

/**
 * IAM's condition operators this project uses: StringEquals and StringLike on single-valued keys,
 * and their `ForAllValues:` / `ForAnyValue:` forms on multi-valued keys. ForAllValues holds when
 * every value of the request is among the policy's (also when the request carries none, as IAM
 * does); ForAnyValue when at least one is. Anything else does not hold.
 */
function conditionsHold(
  condition: PolicyStatement['Condition'],
  context: RequiredPermission['context'],
): boolean {
  for (const [qualified, keys] of Object.entries(condition ?? {})) {
    const set = /^(ForAllValues|ForAnyValue):/.exec(qualified)?.[1];
    const operator = set ? qualified.slice(set.length + 1) : qualified;
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      const values = Array.isArray(expected) ? expected : [expected];
      if (matchesOperator(operator, values, '') === undefined) return false;
      if (set) {
        const actuals = actual === undefined ? [] : typeof actual === 'string' ? [actual] : actual;
        const matches = actuals.map((a) => matchesOperator(operator, values, a) === true);
        if (set === 'ForAllValues' && !matches.every(Boolean)) return false;
        if (set === 'ForAnyValue' && !matches.some(Boolean)) return false;
        continue;
      }
      // A single-valued operator on a missing or multi-valued key does not hold.
      if (typeof actual !== 'string') return false;
      if (!matchesOperator(operator, values, actual)) return false;
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
