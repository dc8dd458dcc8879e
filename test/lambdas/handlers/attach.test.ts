import {
  type Action,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/attach';
import { CutoverFailed, RouterStateUnknown } from '../../../lambdas/shared/errors';
import {
  BLUE_TG,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  LISTENER_ARN,
  listenerWith,
  ROLES,
  rejected,
  stepEvent,
  useConfig,
  weightedForward,
} from './support';

useConfig();

const elb = mockClient(ElasticLoadBalancingV2Client);
const doc = mockClient(DynamoDBDocumentClient);

/** Blue live, green not yet in the forward action: the roles ResolveRoles reads from a fresh listener. */
const notAttached = cutoverState({ roles: { ...ROLES, idleAttached: false } });

/** A plain forward to blue, as DescribeListeners returns it. */
const PLAIN_FORWARD_TO_BLUE: Action[] = [
  {
    Type: 'forward',
    TargetGroupArn: BLUE_TG,
    Order: 1,
    ForwardConfig: {
      TargetGroups: [{ TargetGroupArn: BLUE_TG, Weight: 1 }],
      TargetGroupStickinessConfig: { Enabled: false },
    },
  },
];

function routerIs(actions: Action[]): void {
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(actions)] });
}

beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  elb.reset();
  doc.reset();
  routerIs(PLAIN_FORWARD_TO_BLUE);
  elb.on(ModifyListenerCommand).resolves({});
  doc.on(UpdateCommand).resolves({});
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('Attach', () => {
  it('adds the idle group to the forward action at weight 0, the live side keeping 100', async () => {
    // Act
    const state = await handler(stepEvent(notAttached));

    // Assess
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER_ARN,
      DefaultActions: [
        {
          Type: 'forward',
          Order: 1,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 100 },
              { TargetGroupArn: GREEN_TG, Weight: 0 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
    expect(state.roles?.idleAttached).toBe(true);
  });

  it("keeps the operator's authentication action and stickiness when it rewrites the forward", async () => {
    // Prepare
    const authenticate: Action = {
      Type: 'authenticate-cognito',
      Order: 1,
      AuthenticateCognitoConfig: {
        UserPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc123',
        UserPoolClientId: 'client-1',
        UserPoolDomain: 'orders',
      },
    };
    routerIs([
      authenticate,
      {
        Type: 'forward',
        Order: 2,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: BLUE_TG, Weight: 100 }],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
        },
      },
    ]);

    // Act
    await handler(stepEvent(notAttached));

    // Assess
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER_ARN,
      DefaultActions: [
        authenticate,
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 100 },
              { TargetGroupArn: GREEN_TG, Weight: 0 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
          },
        },
      ],
    });
  });

  it('fences the write with the lease: the conditional update comes first', async () => {
    // Act
    await handler(stepEvent(notAttached));

    // Assess
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'service#orders-api', sk: 'lease' },
      ConditionExpression: '#owner = :me AND expiresAt > :now',
      ExpressionAttributeValues: expect.objectContaining({ ':me': EXECUTION_ARN, ':phase': 'acquired' }),
    });
    const fence = doc.commandCalls(UpdateCommand)[0]!;
    const write = elb.commandCalls(ModifyListenerCommand)[0]!;
    expect(fence.calledBefore(write)).toBe(true);
  });

  it('writes nothing when the router already lists the idle group (a retry after its write)', async () => {
    // Prepare
    routerIs(weightedForward(100, 0));

    // Act
    const state = await handler(stepEvent(notAttached));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(state.roles?.idleAttached).toBe(true);
  });

  it('does not even read the router when ResolveRoles found the idle group attached', async () => {
    // Prepare
    const attached = cutoverState();

    // Act
    const state = await handler(stepEvent(attached));

    // Assess
    expect(state).toEqual(attached);
    expect(elb).not.toHaveReceivedAnyCommand();
    expect(doc).not.toHaveReceivedAnyCommand();
  });

  it('changes nothing for a dry run, not even the weight-0 attach', async () => {
    // Prepare
    const dryRun = cutoverState({
      request: { action: 'cutover', version: 'v2', dryRun: true, schemaChange: 'none' },
      roles: { ...ROLES, idleAttached: false },
    });

    // Act
    const state = await handler(stepEvent(dryRun));

    // Assess
    expect(state.roles?.idleAttached).toBe(false);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(doc).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('writes nothing and fails with CutoverFailed when the lease was lost', async () => {
    // Prepare
    doc.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const error = await rejected(handler(stepEvent(notAttached)));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.name).toBe('CutoverFailed');
    expect(error.details.message).toMatch(/no longer holds the lease.*nothing was changed/);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('writes nothing and fails with RouterStateUnknown when the live side changed under it', async () => {
    // Prepare
    routerIs(weightedForward(null, 100));

    // Act
    const error = await rejected(handler(stepEvent(notAttached)));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain('the live side changed from blue to green');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });
});
