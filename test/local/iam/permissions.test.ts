import type { PolicyStatement } from '../../../local';
import { isAllowed, requiredPermissions } from '../../../local/iam/permissions';
import type { ApiCall } from '../../../local/proxy/api-calls';

const ACCOUNT = { partition: 'aws', account: '123456789012' };
const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders/50dc6c495c0c9188/f2f7dc8efc522ab2';

function call(service: string, operation: string, params: Record<string, unknown> = {}): ApiCall {
  return { at: 0, service, region: 'us-east-1', operation, params };
}

const allow = (Action: string[], Resource: string[], Condition?: PolicyStatement['Condition']) =>
  ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }) as PolicyStatement;

describe('requiredPermissions', () => {
  it('authorizes a listener write on the listener, and ELB Describe* on *', () => {
    expect(
      requiredPermissions(call('elasticloadbalancing', 'ModifyListener', { ListenerArn: LISTENER }), ACCOUNT),
    ).toEqual([{ action: 'elasticloadbalancing:ModifyListener', resource: LISTENER, context: {} }]);
    expect(
      requiredPermissions(call('elasticloadbalancing', 'DescribeTargetHealth'), ACCOUNT)[0]?.resource,
    ).toBe('*');
  });

  it('maps signing names and operations to IAM names (monitoring -> cloudwatch, Invoke -> InvokeFunction)', () => {
    const alarms = requiredPermissions(
      call('monitoring', 'DescribeAlarms', { AlarmNames: ['a', 'b'] }),
      ACCOUNT,
    );
    expect(alarms.map((n) => n.resource)).toEqual([
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:a',
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:b',
    ]);
    const invoke = requiredPermissions(call('lambda', 'Invoke', { FunctionName: 'deploy:live' }), ACCOUNT);
    expect(invoke).toEqual([
      {
        action: 'lambda:InvokeFunction',
        resource: 'arn:aws:lambda:us-east-1:123456789012:function:deploy:live',
        context: {},
      },
    ]);
  });

  it('authorizes DynamoDB on the table ARN and PutMetricData with its namespace', () => {
    expect(requiredPermissions(call('dynamodb', 'GetItem', { TableName: 't' }), ACCOUNT)[0]?.resource).toBe(
      'arn:aws:dynamodb:us-east-1:123456789012:table/t',
    );
    expect(
      requiredPermissions(call('monitoring', 'PutMetricData', { Namespace: 'N' }), ACCOUNT)[0]?.context,
    ).toEqual({
      'cloudwatch:namespace': 'N',
    });
  });
});

describe('isAllowed', () => {
  const write = { action: 'elasticloadbalancing:ModifyListener', resource: LISTENER, context: {} };

  it('allows a call only on the resources the statement names', () => {
    expect(isAllowed([allow(['elasticloadbalancing:ModifyListener'], [LISTENER])], write)).toBe(true);
    expect(isAllowed([allow(['elasticloadbalancing:ModifyListener'], [`${LISTENER}0`])], write)).toBe(false);
    expect(isAllowed([allow(['elasticloadbalancing:Describe*'], ['*'])], write)).toBe(false);
  });

  it('matches wildcards in actions (case-insensitive) and resources', () => {
    expect(
      isAllowed([allow(['ElasticLoadBalancing:Modify*'], ['arn:aws:elasticloadbalancing:*'])], write),
    ).toBe(true);
  });

  it('requires the conditions to hold, and lets a Deny win', () => {
    const put = {
      action: 'cloudwatch:PutMetricData',
      resource: '*',
      context: { 'cloudwatch:namespace': 'Other' },
    };
    const scoped = allow(['cloudwatch:PutMetricData'], ['*'], {
      StringEquals: { 'cloudwatch:namespace': 'Mine' },
    });
    expect(isAllowed([scoped], put)).toBe(false);
    expect(isAllowed([scoped], { ...put, context: { 'cloudwatch:namespace': 'Mine' } })).toBe(true);
    const deny: PolicyStatement = { Effect: 'Deny', Action: ['*'], Resource: ['*'] };
    expect(isAllowed([allow(['*'], ['*']), deny], write)).toBe(false);
  });
});
