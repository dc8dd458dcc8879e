import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { TRANSIENT_ERROR_NAMES } from './handler-contract';
import { type CoreStep, STEP_TIMEOUT_SECONDS, type StepName } from './step-handlers';

export interface WorkflowProps {
  /** The function of each step that is a task; on-execution-ended runs from an EventBridge rule instead. */
  readonly functions: Record<Exclude<CoreStep, 'on-execution-ended'>, lambda.IFunction>;
  /** Whether the configuration has a deploy step (a deploy hook). */
  readonly hasDeploy: boolean;
  /** The function of the BeforeTraffic step, when `hooks.beforeTraffic` is configured. */
  readonly beforeTraffic?: lambda.IFunction;
}

/** Errors raised before the router write of SwitchTraffic: traffic did not move. */
const SWITCH_PRE_WRITE_ERRORS = ['IdleNotHealthy', 'RouterStateUnknown', 'CutoverFailed'];

/**
 * Lambda refusing to start the step (account-wide throttling during an incident): retried with
 * backoff and full jitter, so that many executions do not retry in step, and for longer on the
 * steps that restore traffic or clean up, which must not give up while the incident lasts.
 */
function lambdaThrottled(restores: boolean): sfn.RetryProps {
  return {
    errors: ['Lambda.TooManyRequestsException'],
    interval: Duration.seconds(1),
    maxAttempts: restores ? 12 : 6,
    backoffRate: 2,
    maxDelay: Duration.seconds(restores ? 20 : 30),
    jitterStrategy: sfn.JitterType.FULL,
  };
}

const EXECUTION = {
  arn: sfn.JsonPath.executionId,
  name: sfn.JsonPath.executionName,
  startedAt: sfn.JsonPath.executionStartTime,
};

/**
 * The state machine of DESIGN.md, "Shape of the workflow". Every step is a Lambda task that gets the
 * whole state and returns it extended; polling happens inside the invocations, so a loop here is
 * one task and one choice per ~50 s.
 */
export function buildWorkflow(scope: Construct, props: WorkflowProps): sfn.IChainable {
  const fns = props.functions;

  const fail = new sfn.Fail(scope, 'Failed', {
    comment: 'Ends the execution with the contract error and its cause JSON.',
    errorPath: '$.outcome.error',
    causePath: '$.outcome.cause',
  });

  const step = (
    id: string,
    name: Exclude<StepName, 'on-execution-ended'>,
    payload: Record<string, unknown>,
    fn: lambda.IFunction = fns[name as keyof WorkflowProps['functions']],
  ) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(payload),
      outputPath: '$.Payload',
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(STEP_TIMEOUT_SECONDS[name] + 15)),
    });
    task.addRetry({
      // SDK errors worth another try, as the handler rethrows them (errorType is the SDK error's name).
      errors: [...TRANSIENT_ERROR_NAMES],
      interval: Duration.seconds(1),
      maxAttempts: 3,
      backoffRate: 2,
    });
    task.addRetry(lambdaThrottled(name === 'rollback' || name === 'abort'));
    return task;
  };
  const withState = (extra: Record<string, unknown> = {}) => ({
    state: sfn.JsonPath.entirePayload,
    ...extra,
  });

  // Failures before the switch: remember the step, then Abort cleans up and names the error.
  const abort = step('Abort', 'abort', { ...withState(), execution: { arn: sfn.JsonPath.executionId } });
  abort.addCatch(
    new sfn.Fail(scope, 'AbortFailed', {
      error: 'CutoverFailed',
      cause: JSON.stringify({
        message:
          'the execution failed and so did its cleanup; the lease expires by itself; traffic was not moved',
        live: 'unknown',
      }),
    }),
  );
  abort.next(fail);
  const failedBefore = (task: sfn.TaskStateBase, name: string, errors: string[] = ['States.ALL']) => {
    const note = new sfn.Pass(scope, `${name} failed`, {
      result: sfn.Result.fromString(name),
      resultPath: '$.failedStep',
    }).next(abort);
    task.addCatch(note, { errors, resultPath: '$.failure' });
  };

  // Failures after the switch: roll back.
  const rollback = step('Rollback', 'rollback', withState());
  rollback.addRetry({
    errors: ['States.ALL'],
    interval: Duration.seconds(1),
    maxAttempts: 2,
    backoffRate: 1,
  });
  rollback.addCatch(
    new sfn.Fail(scope, 'RollbackCrashed', {
      error: 'RollbackFailed',
      cause: JSON.stringify({
        message:
          'the rollback step itself failed; traffic may still be on the new side: check the listener weights and start {"action":"rollback"}',
        live: 'unknown',
      }),
    }),
  );
  rollback.next(fail);
  const failedAfter = (task: sfn.TaskStateBase, name: string) => {
    const note = new sfn.Pass(scope, `${name} failed after the switch`, {
      result: sfn.Result.fromString(name),
      resultPath: '$.failedStep',
    }).next(rollback);
    task.addCatch(note, { errors: ['States.ALL'], resultPath: '$.failure' });
  };

  const validate = step('Validate', 'validate', { input: sfn.JsonPath.entirePayload, execution: EXECUTION });
  // The raw input may not even be an object, so the failure replaces the state instead of extending it.
  validate.addCatch(
    new sfn.Pass(scope, 'Validate failed', {
      parameters: { 'failure.$': '$', failedStep: 'Validate' },
    }).next(abort),
    { errors: ['States.ALL'] },
  );

  const acquireLease = step('AcquireLease', 'acquire-lease', withState());
  failedBefore(acquireLease, 'AcquireLease');
  const resolveRoles = step('ResolveRoles', 'resolve-roles', withState());
  failedBefore(resolveRoles, 'ResolveRoles');
  const attach = step('Attach', 'attach', withState());
  failedBefore(attach, 'Attach');
  const waitHealthy = step('WaitHealthy', 'wait-healthy', withState());
  failedBefore(waitHealthy, 'WaitHealthy');
  const gate = step('Gate', 'gate', withState());
  failedBefore(gate, 'Gate');
  const switchTraffic = step('SwitchTraffic', 'switch-traffic', withState());
  failedBefore(switchTraffic, 'SwitchTraffic', SWITCH_PRE_WRITE_ERRORS);
  failedAfter(switchTraffic, 'SwitchTraffic');
  const bake = step('Bake', 'watch', withState({ phase: 'bake' }));
  failedAfter(bake, 'Bake');
  const drain = step('Drain', 'watch', withState({ phase: 'drain' }));
  failedAfter(drain, 'Drain');
  const finalize = step('Finalize', 'finalize', withState());
  // A dry run reaches Finalize without a switch: its failure has nothing to roll back.
  finalize.addCatch(
    new sfn.Pass(scope, 'Finalize failed', {
      result: sfn.Result.fromString('Finalize'),
      resultPath: '$.failedStep',
    }).next(
      new sfn.Choice(scope, 'Switched before Finalize?')
        .when(sfn.Condition.isPresent('$.switched'), rollback)
        .otherwise(abort),
    ),
    { errors: ['States.ALL'], resultPath: '$.failure' },
  );
  const awaitRollback = step('AwaitRollback', 'await-rollback', withState());
  failedBefore(awaitRollback, 'AwaitRollback');

  const succeed = new sfn.Succeed(scope, 'Succeeded', { outputPath: '$.result' });
  finalize.next(succeed);

  const dryRun = sfn.Condition.booleanEquals('$.request.dryRun', true);
  const isCutover = sfn.Condition.stringEquals('$.request.action', 'cutover');

  drain.next(
    new sfn.Choice(scope, 'Drained?')
      .when(sfn.Condition.stringEquals('$.watch.verdict', 'continue'), drain)
      .when(sfn.Condition.stringEquals('$.watch.verdict', 'rollback'), rollback)
      .otherwise(finalize),
  );
  bake.next(
    new sfn.Choice(scope, 'Baked?')
      .when(sfn.Condition.stringEquals('$.watch.verdict', 'continue'), bake)
      .when(sfn.Condition.stringEquals('$.watch.verdict', 'rollback'), rollback)
      .otherwise(drain),
  );
  switchTraffic.next(new sfn.Choice(scope, 'Bake?').when(isCutover, bake).otherwise(drain));
  const afterGate = new sfn.Choice(scope, 'Dry run?').when(dryRun, finalize);
  if (props.beforeTraffic) {
    // Only a cutover calls the hook; a dry run changes nothing and calls nothing, a rollback is urgent.
    const beforeTraffic = step('BeforeTraffic', 'before-traffic', withState(), props.beforeTraffic);
    failedBefore(beforeTraffic, 'BeforeTraffic');
    beforeTraffic.next(
      new sfn.Choice(scope, 'Hook passed?')
        .when(sfn.Condition.stringEquals('$.hooks.beforeTraffic.status', 'IN_PROGRESS'), beforeTraffic)
        .otherwise(switchTraffic),
    );
    afterGate.when(isCutover, beforeTraffic);
  }
  gate.next(afterGate.otherwise(switchTraffic));
  waitHealthy.next(
    new sfn.Choice(scope, 'Healthy?')
      .when(sfn.Condition.booleanEquals('$.health.healthy', true), gate)
      .otherwise(waitHealthy),
  );

  if (props.hasDeploy) {
    const deploy = step('Deploy', 'deploy', withState());
    failedBefore(deploy, 'Deploy');
    deploy.next(
      new sfn.Choice(scope, 'Deployed?')
        .when(sfn.Condition.stringEquals('$.deploy.status', 'IN_PROGRESS'), deploy)
        .otherwise(waitHealthy),
    );
    attach.next(deploy);
  } else {
    attach.next(waitHealthy);
  }

  resolveRoles.next(new sfn.Choice(scope, 'Plan only?').when(dryRun, gate).otherwise(attach));

  awaitRollback.next(
    new sfn.Choice(scope, 'Rolled back?')
      .when(
        sfn.Condition.stringEquals('$.joinVerdict', 'done'),
        new sfn.Succeed(scope, 'Joined', { outputPath: '$.result' }),
      )
      .when(sfn.Condition.stringEquals('$.joinVerdict', 'retry'), acquireLease)
      .otherwise(awaitRollback),
  );
  acquireLease.next(
    new sfn.Choice(scope, 'Joined a cutover?')
      .when(sfn.Condition.isPresent('$.lease.joined'), awaitRollback)
      .otherwise(resolveRoles),
  );

  return validate.next(acquireLease);
}
