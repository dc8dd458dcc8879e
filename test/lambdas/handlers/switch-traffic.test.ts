import {
  DescribeTargetGroupAttributesCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import 'aws-sdk-client-mock-jest';
import {
  BlueGreenError,
  CutoverFailed,
  IdleNotHealthy,
  isContractError,
  RouterStateUnknown,
} from '../../../lambdas/shared/contract';
import { handler } from '../../../lambdas/switch-traffic';
import {
  allTrafficTo,
  awsError,
  BLUE_TG,
  conditionFailed,
  cutoverState,
  EXECUTION_ARN,
  fenceOf,
  GREEN_TG,
  OTHER_EXECUTION,
  quietLogs,
  ROLES,
  rejected,
  rejectedWith,
  rollbackState,
  stepEvent,
  useConfig,
  weightedForward,
} from './support';
import {
  deregistrationDelayIs,
  expectFenceBeforeWrite,
  fakeClockEachTest,
  leaseIs,
  leaseLost,
  mockAws,
  routerIs,
  routerOn,
  targetsOf,
  targetsOfEveryGroup,
} from './support-mocks';

useConfig();

const { elb, ddb } = mockAws('elb', 'ddb');

const NOW = Date.parse('2026-11-27T12:05:00.000Z');
const RELEASE_KEY = ROLES.releaseKey!;

fakeClockEachTest(NOW, { realQueues: true });
beforeEach(() => {
  quietLogs('log');
  routerOn(elb, 'blue');
  targetsOfEveryGroup(elb, 'healthy', 'healthy');
  deregistrationDelayIs(elb, 45);
  elb.on(ModifyListenerCommand).resolves({});
  leaseIs(ddb);
  ddb.on(UpdateCommand).resolves({});
});

describe('SwitchTraffic', () => {
  it('moves all traffic to the idle side in one listener write and reports the drain time', async () => {
    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, allTrafficTo('green'));
    expect(state.switched).toEqual({ at: new Date(NOW).toISOString(), drainSeconds: 45 });
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupAttributesCommand, { TargetGroupArn: BLUE_TG });
  });

  it('fences the write with the lease, recording what a cleanup would restore, then bakes', async () => {
    // Act
    await handler(stepEvent(cutoverState()));

    // Assess
    const fence = fenceOf('switching');
    expect(ddb).toHaveReceivedNthSpecificCommandWith(1, UpdateCommand, {
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
    expectFenceBeforeWrite(ddb, elb);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'service#orders-api', sk: RELEASE_KEY },
      ExpressionAttributeValues: { ':switchedAt': new Date(NOW).toISOString() },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  it('marks the lease draining after the switch of a rollback, which does not bake', async () => {
    // Prepare
    routerOn(elb, 'green');

    // Act
    await handler(stepEvent(rollbackState()));

    // Assess
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, {
      DefaultActions: allTrafficTo('blue').DefaultActions,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('draining'));
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
  });

  it('moves no traffic and fails with CutoverFailed when the lease was lost', async () => {
    // Prepare
    leaseLost(ddb);

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(CutoverFailed);
    expect(error.details.message).toMatch(/no longer holds the lease.*traffic was not moved/);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('moves no traffic and fails with IdleNotHealthy when the idle side stopped being healthy', async () => {
    // Prepare
    targetsOf(elb, GREEN_TG, 'healthy', 'unhealthy');

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(IdleNotHealthy);
    expect(error.details.message).toBe(
      'green stopped being fully healthy just before the switch: green: 1 of 2 targets healthy; i-02:8080 unhealthy (Target.ResponseCodeMismatch)',
    );
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('moves no traffic and fails with RouterStateUnknown when someone else switched', async () => {
    // Prepare: the listener already sends everything to green, but this execution never got past its fence
    routerOn(elb, 'green');

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(error.details.message).toContain('the live side changed from blue to green');
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('moves no traffic when the listener was switched while another execution holds the lease', async () => {
    // Prepare
    routerOn(elb, 'green');
    leaseIs(ddb, { owner: OTHER_EXECUTION, phase: 'baking' });

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('fails with RouterStateUnknown when the listener splits traffic', async () => {
    // Prepare
    routerIs(elb, weightedForward(50, 50));

    // Act
    const error = await rejected(handler(stepEvent(cutoverState())));

    // Assess
    expect(error).toBeInstanceOf(RouterStateUnknown);
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
  });

  it('does not write again when retried after its write, and returns the switched state', async () => {
    // Prepare: the first attempt fenced and wrote, then timed out
    routerOn(elb, 'green');
    leaseIs(ddb, { phase: 'switching', previous: 'blue', target: 'green', releaseKey: RELEASE_KEY });

    // Act
    const state = await handler(stepEvent(cutoverState()));

    // Assess
    expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(state.switched).toEqual({ at: new Date(NOW).toISOString(), drainSeconds: 45 });
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('switching'));
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
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
      expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, fenceOf('baking'));
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
      ddb.on(UpdateCommand).resolvesOnce({}).resolvesOnce({}).rejects(conditionFailed());

      // Act
      const error = await rollsBack();

      // Assess
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(isContractError(error.name)).toBe(false);
      expect(error.message).toBe('after the router write: the lease was lost right after the switch');
    });
  });
});
