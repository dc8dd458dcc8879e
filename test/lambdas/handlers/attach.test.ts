import {
  type Action,
  ModifyListenerCommand,
  type TargetGroupStickinessConfig,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../lambdas/attach';
import { CutoverFailed, RouterStateUnknown } from '../../../lambdas/shared/contract';
import {
  BLUE_TG,
  cutoverState,
  fenceOf,
  GREEN_TG,
  LISTENER_ARN,
  quietLogs,
  ROLES,
  rejected,
  stepEvent,
  useConfig,
  weightedForward,
} from './support';
import { expectFenceBeforeWrite, leaseLost, mockAws, routerIs, routerOn } from './support-mocks';

useConfig();

const { elb, ddb } = mockAws('elb', 'ddb');

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

/** The forward Attach writes: blue keeps 100 and green joins at 0, with the order and stickiness it had. */
function blueWithGreenAtZero(order: number, stickiness: TargetGroupStickinessConfig): Action {
  return {
    Type: 'forward',
    Order: order,
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE_TG, Weight: 100 },
        { TargetGroupArn: GREEN_TG, Weight: 0 },
      ],
      TargetGroupStickinessConfig: stickiness,
    },
  };
}

beforeEach(() => {
  quietLogs('log');
  routerIs(elb, PLAIN_FORWARD_TO_BLUE);
  elb.on(ModifyListenerCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('Attach', () => {
  it('adds the idle group to the forward action at weight 0, the live side keeping 100', async () => {
    // Act
    const state = await handler(stepEvent(notAttached));

    // Assess
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER_ARN,
      DefaultActions: [blueWithGreenAtZero(1, { Enabled: false })],
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
    routerIs(elb, [
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
      DefaultActions: [authenticate, blueWithGreenAtZero(2, { Enabled: true, DurationSeconds: 3600 })],
    });
  });

  it('fences the write with the lease: the conditional update comes first', async () => {
    // Act
    await handler(stepEvent(notAttached));

    // Assess
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('acquired'));
    expectFenceBeforeWrite(ddb, elb);
  });

  it('writes nothing when the router already lists the idle group (a retry after its write)', async () => {
    // Prepare
    routerOn(elb, 'blue');

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
    expect(ddb).not.toHaveReceivedAnyCommand();
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
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('writes nothing and fails with CutoverFailed when the lease was lost', async () => {
    // Prepare
    leaseLost(ddb);

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
    routerIs(elb, weightedForward(null, 100));

    // Act
    const error = await rejected(handler(stepEvent(notAttached)));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain('the live side changed from blue to green');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });
});
