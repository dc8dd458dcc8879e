import {
  type Action,
  DescribeListenersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  BlueGreenError,
  CutoverFailed,
  IdleNotHealthy,
  isContractError,
  RouterStateUnknown,
} from '../../../lambdas/shared/errors';
import { handler } from '../../../lambdas/switch-traffic';
import {
  awsError,
  BLUE_TG,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  GREEN_TG,
  LISTENER_ARN,
  leaseItem,
  listenerWith,
  ROLES,
  rejected,
  rejectedWith,
  rollbackState,
  stepEvent,
  targetHealth,
  useConfig,
  weightedForward,
} from './support';

useConfig();

const elb = mockClient(ElasticLoadBalancingV2Client);
const doc = mockClient(DynamoDBDocumentClient);

const NOW = Date.parse('2026-11-27T12:05:00.000Z');
const RELEASE_KEY = ROLES.releaseKey!;
const OTHER_EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:bluegreen-orders-api:release-2';

function routerIs(actions: Action[]): void {
  elb.on(DescribeListenersCommand).resolves({ Listeners: [listenerWith(actions)] });
}

function leaseIs(extra: Parameters<typeof leaseItem>[0] = {}): void {
  doc.on(GetCommand).resolves({ Item: leaseItem(extra) });
}

/** The lease fence of one phase: a conditional update of the lease item that sets `phase`. */
function fenceOf(phase: string) {
  return {
    Key: { pk: 'service#orders-api', sk: 'lease' },
    ConditionExpression: '#owner = :me AND expiresAt > :now',
    ExpressionAttributeValues: expect.objectContaining({ ':me': EXECUTION_ARN, ':phase': phase }),
  };
}

beforeEach(() => {
  jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  elb.reset();
  doc.reset();
  routerIs(weightedForward(100, 0));
  elb.on(DescribeTargetHealthCommand).resolves(targetHealth('healthy', 'healthy'));
  elb.on(DescribeTargetGroupAttributesCommand).resolves({
    Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '45' }],
  });
  elb.on(ModifyListenerCommand).resolves({});
  leaseIs();
  doc.on(UpdateCommand).resolves({});
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('SwitchTraffic', () => {
  it('moves all traffic to the idle side in one listener write and reports the drain time', async () => {
    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER_ARN,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: GREEN_TG, Weight: 100 },
              { TargetGroupArn: BLUE_TG, Weight: 0 },
            ],
          },
        },
      ],
    });
    expect(state.switched).toEqual({ at: new Date(NOW).toISOString(), drainSeconds: 45 });
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupAttributesCommand, { TargetGroupArn: BLUE_TG });
  });

  it('fences the write with the lease, recording what a cleanup would restore, then bakes', async () => {
    // Act
    await handler(stepEvent(cutoverState()));

    // Assess
    const fence = fenceOf('switching');
    expect(doc).toHaveReceivedNthSpecificCommandWith(1, UpdateCommand, {
      ...fence,
      ExpressionAttributeValues: {
        ':me': EXECUTION_ARN,
        ':now': Math.floor(NOW / 1000),
        ':phase': 'switching',
        ':previous': 'blue',
        ':target': 'green',
        ':releaseKey': RELEASE_KEY,
      },
    });
    const write = elb.commandCalls(ModifyListenerCommand)[0]!;
    expect(doc.commandCalls(UpdateCommand)[0]!.calledBefore(write)).toBe(true);
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'service#orders-api', sk: RELEASE_KEY },
      ExpressionAttributeValues: { ':switchedAt': new Date(NOW).toISOString() },
    });
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  it('marks the lease draining after the switch of a rollback, which does not bake', async () => {
    // Prepare
    routerIs(weightedForward(0, 100));

    // Act
    await handler(stepEvent(rollbackState()));

    // Assess
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 100 },
              { TargetGroupArn: GREEN_TG, Weight: 0 },
            ],
          },
        },
      ],
    });
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, fenceOf('draining'));
    expect(doc).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  it('moves no traffic and fails with CutoverFailed when the lease was lost', async () => {
    // Prepare
    doc.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toMatch(/no longer holds the lease.*traffic was not moved/);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('moves no traffic and fails with IdleNotHealthy when the idle side stopped being healthy', async () => {
    // Prepare
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
      .resolves(targetHealth('healthy', 'unhealthy'));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(IdleNotHealthy);
    expect(error.details.message).toBe(
      'green stopped being fully healthy just before the switch: green: 1 of 2 targets healthy; i-02:8080 unhealthy (Target.ResponseCodeMismatch)',
    );
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(doc).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('moves no traffic and fails with RouterStateUnknown when someone else switched', async () => {
    // Prepare: the listener already sends everything to green, but this execution never got past its fence
    routerIs(weightedForward(0, 100));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain('the live side changed from blue to green');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('moves no traffic when the listener was switched while another execution holds the lease', async () => {
    // Prepare
    routerIs(weightedForward(0, 100));
    leaseIs({ owner: OTHER_EXECUTION, phase: 'baking' });

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('fails with RouterStateUnknown when the listener splits traffic', async () => {
    // Prepare
    routerIs(weightedForward(50, 50));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('does not write again when retried after its write, and returns the switched state', async () => {
    // Prepare: the first attempt fenced and wrote, then timed out
    routerIs(weightedForward(0, 100));
    leaseIs({ phase: 'switching', previous: 'blue', target: 'green', releaseKey: RELEASE_KEY });

    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(state.switched).toEqual({ at: new Date(NOW).toISOString(), drainSeconds: 45 });
    expect(doc).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('switching'));
    expect(doc).toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  describe('when the router write itself fails', () => {
    it('fails with CutoverFailed when the listener refuses the write: traffic was not moved', async () => {
      // Prepare
      elb
        .on(ModifyListenerCommand)
        .rejects(awsError('ValidationError', 'A target group ARN must be specified', 400));

      // Act
      const error = await rejected(handler(stepEvent(cutoverState())));

      // Assess
      expect(error).toBeInstanceOf(CutoverFailed);
      expect(error.name).toBe('CutoverFailed');
      expect(error.details.message).toContain('the listener refused the switch (ValidationError');
      expect(error.details.message).toContain('traffic was not moved');
      expect(doc).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
    });

    it('rethrows throttling as it is, so the state machine retries the step', async () => {
      // Prepare
      elb.on(ModifyListenerCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', 400));

      // Act
      const error = await rejectedWith(handler(stepEvent(cutoverState())));

      // Assess
      expect(error).not.toBeInstanceOf(BlueGreenError);
      expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    });

    it('fails with SwitchIncomplete when the connection broke: the write may have landed, so roll back', async () => {
      // Prepare
      elb.on(ModifyListenerCommand).rejects(awsError('ECONNRESET', 'socket hang up'));

      // Act
      const error = await rejectedWith(handler(stepEvent(cutoverState())));

      // Assess
      expect(error).not.toBeInstanceOf(BlueGreenError);
      expect(error).toMatchObject({ name: 'SwitchIncomplete' });
    });
  });

  describe('after the write', () => {
    const rollsBack = async (): Promise<Error> => {
      const error = await rejectedWith(handler(stepEvent(cutoverState())));
      if (!(error instanceof Error)) throw new Error(`expected an Error, got ${String(error)}`);
      return error;
    };

    it('fails with an error that makes the state machine roll back when a read fails', async () => {
      // Prepare
      elb.on(DescribeTargetGroupAttributesCommand).rejects(new Error('Rate exceeded'));

      // Act
      const error = await rollsBack();

      // Assess
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(error).not.toBeInstanceOf(BlueGreenError);
      expect(isContractError(error.name)).toBe(false);
      expect(error.name).toBe('SwitchIncomplete');
      expect(error.message).toBe('after the router write: Rate exceeded');
    });

    it('fails with an error that makes the state machine roll back when the lease is lost', async () => {
      // Prepare
      doc.on(UpdateCommand).resolvesOnce({}).resolvesOnce({}).rejects(conditionFailed());

      // Act
      const error = await rollsBack();

      // Assess
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(isContractError(error.name)).toBe(false);
      expect(error.message).toBe('after the router write: the lease was lost right after the switch');
    });
  });
});
