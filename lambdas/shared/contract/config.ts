import * as z from 'zod';

/**
 * The configuration of the public contract (DESIGN.md, "Config file"): the pieces shared by the
 * CDK side (which validates the config file and the construct props) and the step handlers (which
 * receive the resolved configuration in their environment). One schema types both.
 */

export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const LISTENER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+\/[0-9a-f]+$/;
export const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+$/;
export const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;
// Alarm names may hold almost any printable character; what matters is that they exist (checked at the gate).
export const ALARM_NAME = /^\S(.{0,253}\S)?$/;

/** Bounds keep one execution far inside Step Functions' one-year limit and its history quota. */
export const LIMITS = {
  healthTimeoutSeconds: { min: 1, max: 7200, default: 600 },
  pollSeconds: { min: 1, max: 300, default: 5 },
  bakeSeconds: { min: 0, max: 86400, default: 600 },
  alarms: { max: 100 },
  stepBakeSeconds: { min: 1, max: 3600 },
  shiftSteps: { max: 10 },
  routes: { max: 10 },
} as const;

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

/** Makes a string field that must match an ARN pattern; the construct's props also accept tokens. */
export type ArnField = (pattern: RegExp, what: string) => z.ZodType<string, string>;

const arnField: ArnField = (pattern, what) => z.string().regex(pattern, `must be ${what}`);

// Route 53's ids are upper-case letters and digits (AWS's start with Z; moto's do not).
export const COGNITO_USER_POOL_ARN =
  /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[a-z0-9-]+_[A-Za-z0-9]+$/;
export const HOSTED_ZONE_ID = /^[A-Z0-9]{2,32}$/;
export const ROUTE53_HEALTH_CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const LISTENER_RULE_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]+\/[0-9a-f]+\/[0-9a-f]+$/;
/** A function name, or its ARN without a qualifier. */
export const LAMBDA_FUNCTION_NAME =
  /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/;
/** An ECS cluster: its name or ARN. */
export const ECS_CLUSTER = /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/)?[A-Za-z0-9_-]{1,255}$/;
/** An ECS service: its name or ARN (`service/cluster/name`, or the old `service/name`). */
export const ECS_SERVICE =
  /^(arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255}\/)?)?[A-Za-z0-9_-]{1,255}$/;
/** A container name of a task definition. */
export const ECS_CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** An alias name: not a version number, not $LATEST. */
export const LAMBDA_ALIAS_NAME = /^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/;

/**
 * `traffic.shift`: traffic moves through the percentages of `steps` to the new side, each held for
 * `stepBakeSeconds` and watched like the bake; the last step is 100.
 */
export const shiftSchema = z.strictObject({
  steps: z
    .array(
      z
        .number()
        .int('must be whole percentages')
        .min(1, 'must be percentages from 1 to 100')
        .max(100, 'must be percentages from 1 to 100'),
    )
    .min(1, 'lists at least one step')
    .max(LIMITS.shiftSteps.max, `lists at most ${LIMITS.shiftSteps.max} steps`)
    .refine((steps) => steps.every((p, i) => i === 0 || p > steps[i - 1]!), 'must increase step by step')
    .refine((steps) => steps[steps.length - 1] === 100, 'must end at 100'),
  stepBakeSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(LIMITS.stepBakeSeconds.min, `must be at least ${LIMITS.stepBakeSeconds.min}`)
    .max(LIMITS.stepBakeSeconds.max, `must be at most ${LIMITS.stepBakeSeconds.max}`),
});
export type ShiftConfig = z.infer<typeof shiftSchema>;

const LISTENER_WHAT = 'an ALB listener ARN (arn:aws:elasticloadbalancing:...:listener/app/...)';
const TARGET_GROUP_WHAT = 'a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)';

/** The traffic schemas, one per router, with ARN fields made by `arn` (the config file's or the props'). */
export function trafficSchemas(arn: ArnField = arnField) {
  const alb = z.strictObject({
    type: z.literal('alb-listener'),
    listenerArn: arn(LISTENER_ARN, LISTENER_WHAT),
    blueTargetGroupArn: arn(TARGET_GROUP_ARN, TARGET_GROUP_WHAT),
    greenTargetGroupArn: arn(TARGET_GROUP_ARN, TARGET_GROUP_WHAT),
    /** Further listeners (their default action) or listener rules switched with the listener. */
    routes: z
      .array(
        z.union(
          [
            z.strictObject({ listenerArn: arn(LISTENER_ARN, LISTENER_WHAT) }),
            z.strictObject({
              ruleArn: arn(
                LISTENER_RULE_ARN,
                'a listener rule ARN (arn:aws:elasticloadbalancing:...:listener-rule/app/...)',
              ),
            }),
          ],
          { error: 'must be {"listenerArn": "..."} or {"ruleArn": "..."}' },
        ),
      )
      .max(LIMITS.routes.max, `lists at most ${LIMITS.routes.max} routes`)
      .optional(),
    /**
     * The Cognito user pools of the routes' `authenticate-cognito` actions: rewriting such an action
     * needs `cognito-idp:DescribeUserPoolClient` on its pool, granted on exactly these.
     */
    cognitoUserPoolArns: z
      .array(arn(COGNITO_USER_POOL_ARN, 'a Cognito user pool ARN (arn:aws:cognito-idp:...:userpool/...)'))
      .max(LIMITS.routes.max, `lists at most ${LIMITS.routes.max} user pools`)
      .optional(),
    shift: shiftSchema.optional(),
  });
  const lambdaAlias = z.strictObject({
    type: z.literal('lambda-alias'),
    functionName: z
      .string()
      .regex(LAMBDA_FUNCTION_NAME, 'must be a Lambda function name or unqualified function ARN'),
    aliasName: z
      .string()
      .regex(LAMBDA_ALIAS_NAME, 'must be a Lambda alias name (not a version, not $LATEST)'),
    blueAliasName: z
      .string()
      .regex(LAMBDA_ALIAS_NAME, 'must be a Lambda alias name (not a version, not $LATEST)')
      .default('blue'),
    greenAliasName: z
      .string()
      .regex(LAMBDA_ALIAS_NAME, 'must be a Lambda alias name (not a version, not $LATEST)')
      .default('green'),
    /** A smoke test: the idle helper alias is invoked with this payload and must answer without a function error. */
    healthCheck: z.strictObject({ payload: z.record(z.string(), z.unknown()) }).optional(),
    shift: shiftSchema.optional(),
  });
  const route53 = z.strictObject({
    type: z.literal('route53-weighted'),
    hostedZoneId: z.string().regex(HOSTED_ZONE_ID, 'must be a Route 53 hosted zone id (Z...)'),
    recordName: z
      .string()
      .min(1)
      .max(255)
      .regex(/^(\*\.)?([A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?$/, 'must be a DNS name'),
    recordType: z.enum(['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'SRV', 'CAA', 'NS', 'PTR', 'SPF', 'NAPTR', 'DS']),
    blueSetIdentifier: z.string().min(1).max(128).default('blue'),
    greenSetIdentifier: z.string().min(1).max(128).default('green'),
    blueTargetGroupArn: arn(TARGET_GROUP_ARN, TARGET_GROUP_WHAT).optional(),
    greenTargetGroupArn: arn(TARGET_GROUP_ARN, TARGET_GROUP_WHAT).optional(),
    blueHealthCheckId: z
      .string()
      .regex(ROUTE53_HEALTH_CHECK_ID, 'must be a Route 53 health check id')
      .optional(),
    greenHealthCheckId: z
      .string()
      .regex(ROUTE53_HEALTH_CHECK_ID, 'must be a Route 53 health check id')
      .optional(),
    shift: shiftSchema.optional(),
  });
  return {
    alb,
    lambdaAlias,
    route53,
    traffic: z.discriminatedUnion('type', [alb, lambdaAlias, route53]),
  };
}

const traffic = trafficSchemas();
export const albTrafficSchema = traffic.alb;
export const lambdaAliasTrafficSchema = traffic.lambdaAlias;
export const route53TrafficSchema = traffic.route53;
export const trafficSchema = traffic.traffic;
export type AlbTraffic = z.infer<typeof albTrafficSchema>;
export type LambdaAliasTraffic = z.infer<typeof lambdaAliasTrafficSchema>;
export type Route53Traffic = z.infer<typeof route53TrafficSchema>;
export type TrafficConfig = z.infer<typeof trafficSchema>;
/** The config as written (defaults not applied yet). */
export type TrafficInput = z.input<typeof trafficSchema>;

export const deploySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('lambda-hook'),
    functionArn: z
      .string()
      .regex(LAMBDA_FUNCTION_ARN, 'must be a Lambda function ARN (arn:aws:lambda:...:function:NAME)'),
  }),
  z.strictObject({
    type: z.literal('lambda-version'),
    /** Where the new code is; `{version}` in a value is replaced by the release version. Absent: publish $LATEST as is. */
    code: z
      .union([
        z.strictObject({ s3Bucket: z.string().min(3).max(63), s3Key: z.string().min(1).max(1024) }),
        z.strictObject({ imageUri: z.string().min(1).max(512) }),
      ])
      .optional(),
  }),
  z.strictObject({
    type: z.literal('ecs-service'),
    cluster: z.string().regex(ECS_CLUSTER, 'must be an ECS cluster name or ARN'),
    blueService: z.string().regex(ECS_SERVICE, 'must be an ECS service name or ARN'),
    greenService: z.string().regex(ECS_SERVICE, 'must be an ECS service name or ARN'),
    /** The container whose image tag becomes the release version; must exist in the live task definition. */
    container: z
      .string()
      .regex(ECS_CONTAINER_NAME, 'must be a container name (letters, digits, "-", "_"; at most 255)'),
    /**
     * The task's roles, passed to ECS with each new revision: the deploy may pass exactly these
     * (iam:PassRole). A live task definition with another role (or one not configured) is refused.
     */
    taskRoleArn: z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN').optional(),
    executionRoleArn: z.string().regex(IAM_ROLE_ARN, 'must be an IAM role ARN').optional(),
  }),
]);
export type DeployConfig = z.infer<typeof deploySchema>;

const hookArn = z
  .string()
  .regex(LAMBDA_FUNCTION_ARN, 'must be a Lambda function ARN (arn:aws:lambda:...:function:NAME)');

/**
 * `hooks`: the user's functions called around the switch, with the deploy hook's answer protocol.
 * `beforeTraffic` runs after the gate, before any traffic moves; `afterTraffic` during the bake.
 */
export const hooksSchema = z.strictObject({
  beforeTraffic: hookArn.optional(),
  afterTraffic: hookArn.optional(),
});
export type HooksConfig = z.infer<typeof hooksSchema>;
export type TrafficHookPhase = keyof HooksConfig;

function seconds(name: keyof typeof LIMITS & `${string}Seconds`) {
  const { min, max } = LIMITS[name];
  return z
    .number()
    .int(`must be a whole number of seconds`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
}

export const timingSchema = {
  healthTimeoutSeconds: seconds('healthTimeoutSeconds'),
  pollSeconds: seconds('pollSeconds'),
  bakeSeconds: seconds('bakeSeconds'),
};

export const alarmsSchema = z
  .array(z.string().regex(ALARM_NAME, 'must be a CloudWatch alarm name (1 to 255 characters)'))
  .max(LIMITS.alarms.max, `lists at most ${LIMITS.alarms.max} alarms`)
  .refine((names) => new Set(names).size === names.length, 'lists an alarm twice');

/** What every step handler receives (as JSON in BLUEGREEN_CONFIG), fully resolved. */
export const runtimeConfigSchema = z.strictObject({
  service: z.string().regex(SERVICE_NAME),
  traffic: trafficSchema,
  deploy: deploySchema,
  hooks: hooksSchema.optional(),
  alarms: alarmsSchema,
  healthTimeoutSeconds: timingSchema.healthTimeoutSeconds,
  pollSeconds: timingSchema.pollSeconds,
  bakeSeconds: timingSchema.bakeSeconds,
  /** The DynamoDB table holding the lease and the release history. */
  tableName: z.string().min(3),
  /** How long a lease lives without its owner: the state machine's own timeout plus a margin. */
  leaseSeconds: z.number().int().positive(),
  /** EventBridge bus that receives the release events. */
  eventBusName: z.string().min(1),
  /** CloudWatch namespace of the RollbackFailed metric. */
  metricNamespace: z.string().min(1),
});
export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/** The environment variable that carries the resolved RuntimeConfig to every step handler. */
export const CONFIG_ENV = 'BLUEGREEN_CONFIG';

/**
 * The config file of the app in bin/ (DESIGN.md, "Config file"). The same schema pieces validate
 * the construct's props and the handlers' runtime configuration.
 */
export const serviceConfigSchema = z.strictObject({
  service: z
    .string()
    .regex(SERVICE_NAME, 'must match ^[a-z][a-z0-9-]{0,39}$ (lowercase, digits, "-"; at most 40)'),
  traffic: trafficSchema,
  deploy: deploySchema.optional(),
  hooks: hooksSchema.optional(),
  alarms: alarmsSchema.optional(),
  healthTimeoutSeconds: timingSchema.healthTimeoutSeconds.optional(),
  pollSeconds: timingSchema.pollSeconds.optional(),
  bakeSeconds: timingSchema.bakeSeconds.optional(),
  /** Start releases from EventBridge `Release Requested` events (DESIGN.md, "Triggers and events"). */
  trigger: z.boolean().optional(),
});

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

/**
 * pollSeconds when not given: 5, or healthTimeoutSeconds when that is shorter, so that timings as
 * small as 1 second are accepted without spelling out pollSeconds.
 */
export function defaultPollSeconds(healthTimeoutSeconds: number | undefined): number {
  return Math.min(LIMITS.pollSeconds.default, healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default);
}

/** A rule that spans two fields, broken: the field to change, its value, and the other field. */
export type CrossFieldViolation =
  | {
      readonly field: string;
      readonly value: string;
      readonly kind: 'same-as';
      readonly other: string;
    }
  | {
      readonly field: string;
      readonly value: unknown;
      /** Exactly one of `field` and `other` must be given (value: what `field` holds, maybe undefined). */
      readonly kind: 'one-of';
      readonly other: string;
    }
  | {
      /** `field` with this value works only with `other` set to `otherValue`. */
      readonly field: string;
      readonly value: string;
      readonly kind: 'requires';
      readonly other: string;
      readonly otherValue: string;
    }
  | {
      readonly field: 'pollSeconds';
      readonly value: number;
      readonly kind: 'exceeds';
      readonly other: 'healthTimeoutSeconds';
      readonly otherValue: number;
    };

/** Pairs of traffic keys that must differ, per router: [field, other]. */
function distinctKeys(
  traffic: TrafficInput,
): Array<[string, string | undefined, string, string | undefined]> {
  switch (traffic.type) {
    case 'alb-listener':
      return [
        [
          'greenTargetGroupArn',
          traffic.greenTargetGroupArn,
          'blueTargetGroupArn',
          traffic.blueTargetGroupArn,
        ],
      ];
    case 'lambda-alias': {
      const blue = traffic.blueAliasName ?? 'blue';
      const green = traffic.greenAliasName ?? 'green';
      return [
        ['greenAliasName', green, 'blueAliasName', blue],
        ['blueAliasName', blue, 'aliasName', traffic.aliasName],
        ['greenAliasName', green, 'aliasName', traffic.aliasName],
      ];
    }
    case 'route53-weighted':
      return [
        [
          'greenSetIdentifier',
          traffic.greenSetIdentifier ?? 'green',
          'blueSetIdentifier',
          traffic.blueSetIdentifier ?? 'blue',
        ],
        [
          'greenTargetGroupArn',
          traffic.greenTargetGroupArn,
          'blueTargetGroupArn',
          traffic.blueTargetGroupArn,
        ],
        ['greenHealthCheckId', traffic.greenHealthCheckId, 'blueHealthCheckId', traffic.blueHealthCheckId],
      ];
  }
}

/**
 * A route listed twice in `traffic.routes`, or the listener itself listed there: each route is
 * written once per switch, so a second entry would be a second write of the same route.
 */
function routeListedTwice(
  traffic: Extract<TrafficInput, { type: 'alb-listener' }>,
): CrossFieldViolation | undefined {
  const seen = new Map<string, string>([[traffic.listenerArn, 'traffic.listenerArn']]);
  for (const [i, route] of (traffic.routes ?? []).entries()) {
    const [key, arn] =
      'listenerArn' in route ? ['listenerArn', route.listenerArn] : ['ruleArn', route.ruleArn];
    const field = `traffic.routes[${i}].${key}`;
    const first = seen.get(arn);
    if (first) return { field, value: arn, kind: 'same-as', other: first };
    seen.set(arn, field);
  }
  return undefined;
}

/**
 * The rules that span two fields, shared by the config file and the construct's props. Timings not
 * given count with their defaults, so both refuse the same combinations. ARNs are compared as
 * written: for the construct's token ARNs, the same token is the same group.
 */
export function crossFieldViolation(
  config: Pick<ServiceConfig, 'pollSeconds' | 'healthTimeoutSeconds'> & {
    readonly traffic: TrafficInput;
    readonly deploy?: {
      readonly type: string;
      readonly blueService?: string;
      readonly greenService?: string;
    };
  },
): CrossFieldViolation | undefined {
  const { traffic } = config;
  // The two ECS services sit behind the blue and green target groups of an ALB listener.
  if (config.deploy?.type === 'ecs-service') {
    if (traffic.type !== 'alb-listener') {
      return {
        field: 'deploy.type',
        value: 'ecs-service',
        kind: 'requires',
        other: 'traffic.type',
        otherValue: 'alb-listener',
      };
    }
    const { blueService, greenService } = config.deploy;
    if (greenService !== undefined && greenService === blueService) {
      return {
        field: 'deploy.greenService',
        value: greenService,
        kind: 'same-as',
        other: 'deploy.blueService',
      };
    }
  }
  // lambda-version publishes a version of the router's function and points a helper alias at it.
  if (config.deploy?.type === 'lambda-version' && traffic.type !== 'lambda-alias') {
    return {
      field: 'deploy.type',
      value: 'lambda-version',
      kind: 'requires',
      other: 'traffic.type',
      otherValue: 'lambda-alias',
    };
  }
  for (const [field, value, other, otherValue] of distinctKeys(traffic)) {
    if (value !== undefined && value === otherValue) {
      return { field: `traffic.${field}`, value, kind: 'same-as', other: `traffic.${other}` };
    }
  }
  if (traffic.type === 'alb-listener') {
    const twice = routeListedTwice(traffic);
    if (twice) return twice;
  }
  if (traffic.type === 'route53-weighted') {
    for (const color of COLORS) {
      const group = traffic[`${color}TargetGroupArn`];
      const check = traffic[`${color}HealthCheckId`];
      if ((group === undefined) === (check === undefined)) {
        return {
          field: `traffic.${color}TargetGroupArn`,
          value: group,
          kind: 'one-of',
          other: `traffic.${color}HealthCheckId`,
        };
      }
    }
  }
  const poll = config.pollSeconds ?? defaultPollSeconds(config.healthTimeoutSeconds);
  const health = config.healthTimeoutSeconds ?? LIMITS.healthTimeoutSeconds.default;
  if (poll > health) {
    return {
      field: 'pollSeconds',
      value: poll,
      kind: 'exceeds',
      other: 'healthTimeoutSeconds',
      otherValue: health,
    };
  }
  return undefined;
}
