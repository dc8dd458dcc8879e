import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { deployGrants, hookGrants } from './deploy-grants';
import {
  CONFIG_ENV,
  type DeployConfig,
  defaultPollSeconds,
  type HooksConfig,
  LIMITS,
  METRIC_NAMESPACE,
  ROLLBACK_FAILED_METRIC,
  type RuntimeConfig,
  shiftSeconds,
} from './handler-contract';
import { grantsForUses, routerGrants } from './routers';
import {
  type GrantResource,
  perStep,
  STEP_GRANTS,
  STEP_ROUTER_USES,
  StepHandler,
  type StepName,
} from './step-handlers';
import type { TrafficProps } from './traffic-props';
import { checkEnvironmentSize, validateProps } from './validate-props';
import { buildWorkflow } from './workflow';

export interface BlueGreenCutoverProps {
  /** Service name, `^[a-z][a-z0-9-]{0,39}$`; names the state machine `bluegreen-<service>`. */
  readonly service: string;
  /** What decides where traffic goes. */
  readonly traffic: TrafficProps;
  /**
   * How the new version reaches the idle side.
   * @default { type: 'none' } (deployed out of band, e.g. by an earlier pipeline stage)
   */
  readonly deploy?: DeployConfig;
  /**
   * Lifecycle hooks, Lambda function ARNs called like the deploy hook: `beforeTraffic` after the
   * gate, before any traffic moves (failure: HookFailed, traffic untouched); `afterTraffic` during
   * the bake, which ends only once it succeeded (failure: rolled back).
   * @default {} (no hooks)
   */
  readonly hooks?: HooksConfig;
  /**
   * CloudWatch alarms checked before the switch and watched during the bake.
   * @default [] (no alarms: only target health protects the release)
   */
  readonly alarms?: readonly string[];
  /**
   * Seconds the deploy, and then the idle side's health, may take.
   * @default 600
   */
  readonly healthTimeoutSeconds?: number;
  /**
   * Seconds between target health polls.
   * @default 5, or healthTimeoutSeconds when that is shorter
   */
  readonly pollSeconds?: number;
  /**
   * Seconds to watch alarms and health after the switch before the release counts as good.
   * @default 600
   */
  readonly bakeSeconds?: number;
  /**
   * How long the handlers' and the state machine's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the lease and release-history table when the stack is deleted.
   * @default RemovalPolicy.RETAIN (the history is what rollbacks are decided from)
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * An EventBridge rule on the default bus that starts a release from a `Release Requested` event
   * (`source` `bluegreen.release`, `detail.service` this service; `detail.request` is the execution
   * input), with a dead-letter queue for the events the state machine could not take.
   * @default true
   */
  readonly trigger?: boolean;
}

/** The source and detail-type of the events that start a release (DESIGN.md, "Triggers and events"). */
export const RELEASE_REQUEST = { source: 'bluegreen.release', detailType: 'Release Requested' } as const;

/** The longest the workflow waits for the old side to drain (the ALB's own maximum deregistration delay). */
export const MAX_DRAIN_SECONDS = 3600;

/**
 * A zero-downtime blue-green release workflow for one service behind an ALB: a Step Functions
 * state machine that deploys to the idle side, proves it healthy, checks the alarms, flips the
 * listener's weights, bakes, and rolls back by itself when an alarm fires.
 */
export class BlueGreenCutover extends Construct {
  /** The release workflow: start it with `{"action":"cutover","version":"..."}` or `{"action":"rollback"}`. */
  readonly stateMachine: sfn.StateMachine;
  /** Holds the lease and the release history. */
  readonly table: dynamodb.Table;
  /** In ALARM when a rollback could not restore traffic: wire it to your paging. */
  readonly rollbackFailedAlarm: cloudwatch.Alarm;
  /** The state machine's timeout, computed from the timings. */
  readonly timeout: Duration;
  /** The rule that starts a release from a `Release Requested` event (absent with `trigger: false`). */
  readonly trigger?: events.Rule;
  /** Holds the `Release Requested` events the state machine did not take, e.g. while throttled. */
  readonly triggerDeadLetterQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: BlueGreenCutoverProps) {
    super(scope, id);
    const valid = validateProps(props);
    const stack = Stack.of(this);
    const deploy: DeployConfig = props.deploy ?? { type: 'none' };
    const healthTimeoutSeconds = props.healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default;
    const pollSeconds = props.pollSeconds ?? defaultPollSeconds(healthTimeoutSeconds);
    const bakeSeconds = props.bakeSeconds ?? LIMITS.bakeSeconds.default;
    const alarms = [...(props.alarms ?? [])];
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    const hooks: HooksConfig = props.hooks ?? {};
    // Deploy, health and each lifecycle hook get healthTimeoutSeconds; then the shift steps, the bake, the
    // longest drain, and slack for the steps themselves and their retries.
    const hookCount = (hooks.beforeTraffic ? 1 : 0) + (hooks.afterTraffic ? 1 : 0);
    const timeoutSeconds =
      (2 + hookCount) * healthTimeoutSeconds +
      shiftSeconds(valid.traffic.shift) +
      bakeSeconds +
      MAX_DRAIN_SECONDS +
      900;
    this.timeout = Duration.seconds(timeoutSeconds);

    this.table = new dynamodb.Table(this, 'Releases', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const runtimeConfig: RuntimeConfig = {
      service: props.service,
      traffic: valid.traffic,
      deploy,
      ...(hookCount > 0 ? { hooks } : {}),
      alarms,
      healthTimeoutSeconds,
      pollSeconds,
      bakeSeconds,
      tableName: this.table.tableName,
      leaseSeconds: timeoutSeconds + 300,
      eventBusName: 'default',
      metricNamespace: METRIC_NAMESPACE,
    };
    const otherVariables = { NODE_OPTIONS: '--enable-source-maps' };
    checkEnvironmentSize(CONFIG_ENV, runtimeConfig, otherVariables);
    const environment = { [CONFIG_ENV]: stack.toJsonString(runtimeConfig), ...otherVariables };

    // Named here, not read from the state machine: its ARN in a function's policy would be a cycle.
    const stateMachineName = `bluegreen-${props.service}`;
    const grantResources = this.grantResources(alarms, stateMachineName);
    const router = routerGrants(valid.traffic);
    const makeFunction = (step: StepName) => {
      const { fn } = new StepHandler(this, pascal(step), { step, environment, logRetention });
      // A router whose sides are always attached: its Attach step makes no call, so it gets no grant.
      const idle = step === 'attach' && router.alwaysAttached === true;
      const own = idle
        ? []
        : STEP_GRANTS[step].map((g) => ({
            actions: g.actions,
            resources: grantResources[g.on],
            ...(g.why ? { why: g.why } : {}),
          }));
      const grants = [
        ...(idle ? [] : grantsForUses(router, STEP_ROUTER_USES[step])),
        ...(step === 'deploy' ? deployGrants(deploy, valid.traffic) : []),
        ...hookGrants(step, hooks),
        ...own,
      ];
      for (const grant of grants) {
        if (grant.resources.length === 0) continue;
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [...grant.actions],
            resources: [...grant.resources],
            conditions: 'conditions' in grant ? grant.conditions : undefined,
          }),
        );
        // A wildcard inside an ARN (Route 53's change/*: a change id exists only once written) carries its reason.
        const why = 'why' in grant ? grant.why : undefined;
        for (const resource of grant.resources.filter((r) => why && r !== '*' && r.includes('*'))) {
          Validations.of(fn).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${resource.replace(Aws.PARTITION, '<AWS::Partition>').replace(Aws.REGION, '<AWS::Region>').replace(Aws.ACCOUNT_ID, '<AWS::AccountId>')}]`,
            reason: why ?? '',
          });
        }
      }
      return fn;
    };
    const functions = perStep(makeFunction);
    const beforeTraffic = hooks.beforeTraffic ? makeFunction('before-traffic') : undefined;

    const logGroup = new logs.LogGroup(this, 'WorkflowLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const { 'on-execution-ended': onExecutionEnded, ...tasks } = functions;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildWorkflow(new Construct(this, 'Workflow'), {
          functions: tasks,
          hasDeploy: deploy.type !== 'none',
          ...(beforeTraffic ? { beforeTraffic } : {}),
        }),
      ),
      timeout: this.timeout,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: `Blue-green release of ${props.service}`,
    });

    const machineFindings = Validations.of(this.stateMachine.role);
    machineFindings.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing and CloudWatch Logs delivery of the state machine take no resource-level permissions',
    });
    for (const fn of [...Object.values(tasks), ...(beforeTraffic ? [beforeTraffic] : [])]) {
      // LambdaInvoke grants each step's function and its versions/aliases (<arn>:*), nothing else.
      const logicalId = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
      machineFindings.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: `The state machine may invoke the versions and aliases of its own step function ${fn.node.path} only`,
      });
    }

    // Stopping a release after its switch means rolling it back; a timeout likewise. A failed
    // execution whose cleanup step crashed still holds the lease: it is cleaned up, counted and announced.
    new events.Rule(this, 'StopMeansRollback', {
      description: `Rolls back and releases the lease of a stopped, timed-out or crashed ${props.service} release`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
          stateMachineArn: [this.stateMachine.stateMachineArn],
        },
      },
      targets: [
        new targets.LambdaFunction(onExecutionEnded, { retryAttempts: 8, maxEventAge: Duration.hours(1) }),
      ],
    });

    if (props.trigger !== false) {
      const trigger = this.releaseTrigger(props.service);
      this.trigger = trigger.rule;
      this.triggerDeadLetterQueue = trigger.deadLetterQueue;
    }

    this.rollbackFailedAlarm = new cloudwatch.Alarm(this, 'RollbackFailedAlarm', {
      alarmDescription: `A ${props.service} rollback could not restore traffic: an operator must act (see the failed execution's cause)`,
      metric: new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: ROLLBACK_FAILED_METRIC,
        dimensionsMap: { Service: props.service },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * `Release Requested` -> StartExecution with `$.detail.request` as the input. The rule's role may
   * start this state machine only; the dead-letter queue (SQS-managed encryption, TLS only) takes
   * sends from this rule only, after EventBridge's retries. An input the workflow refuses still
   * starts an execution, which ends in InvalidInput naming the field.
   */
  private releaseTrigger(service: string): { rule: events.Rule; deadLetterQueue: sqs.Queue } {
    const deadLetterQueue = new sqs.Queue(this, 'TriggerDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the Release Requested rule',
    });
    const role = new iam.Role(this, 'TriggerRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `Lets the Release Requested rule start bluegreen-${service} only`,
    });
    const rule = new events.Rule(this, 'ReleaseRequested', {
      description: `Starts a ${service} release from a Release Requested event (detail.request is the input)`,
      eventPattern: {
        source: [RELEASE_REQUEST.source],
        detailType: [RELEASE_REQUEST.detailType],
        detail: { service: [service] },
      },
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromEventPath('$.detail.request'),
          role,
          deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });
    return { rule, deadLetterQueue };
  }

  /** The exact ARNs behind each kind of resource that STEP_GRANTS names. */
  private grantResources(
    alarms: readonly string[],
    stateMachineName: string,
  ): Record<GrantResource, string[]> {
    const stack = Stack.of(this);
    return {
      table: [this.table.tableArn],
      defaultBus: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      alarms: alarms.map((name) =>
        stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
      executions: [
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${stateMachineName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    };
  }
}

function pascal(step: string): string {
  return step
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
