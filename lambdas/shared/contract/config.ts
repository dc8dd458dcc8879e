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
} as const;

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

export const albTrafficSchema = z.strictObject({
  type: z.literal('alb-listener'),
  listenerArn: z
    .string()
    .regex(LISTENER_ARN, 'must be an ALB listener ARN (arn:aws:elasticloadbalancing:...:listener/app/...)'),
  blueTargetGroupArn: z
    .string()
    .regex(TARGET_GROUP_ARN, 'must be a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)'),
  greenTargetGroupArn: z
    .string()
    .regex(TARGET_GROUP_ARN, 'must be a target group ARN (arn:aws:elasticloadbalancing:...:targetgroup/...)'),
});
export type AlbTraffic = z.infer<typeof albTrafficSchema>;

export const deploySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('lambda-hook'),
    functionArn: z
      .string()
      .regex(LAMBDA_FUNCTION_ARN, 'must be a Lambda function ARN (arn:aws:lambda:...:function:NAME)'),
  }),
]);
export type DeployConfig = z.infer<typeof deploySchema>;

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
  traffic: albTrafficSchema,
  deploy: deploySchema,
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
  traffic: z.discriminatedUnion('type', [albTrafficSchema]),
  deploy: deploySchema.optional(),
  alarms: alarmsSchema.optional(),
  healthTimeoutSeconds: timingSchema.healthTimeoutSeconds.optional(),
  pollSeconds: timingSchema.pollSeconds.optional(),
  bakeSeconds: timingSchema.bakeSeconds.optional(),
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
      readonly field: 'traffic.greenTargetGroupArn';
      readonly value: string;
      readonly kind: 'same-as';
      readonly other: 'traffic.blueTargetGroupArn';
    }
  | {
      readonly field: 'pollSeconds';
      readonly value: number;
      readonly kind: 'exceeds';
      readonly other: 'healthTimeoutSeconds';
      readonly otherValue: number;
    };

/**
 * The rules that span two fields, shared by the config file and the construct's props. Timings not
 * given count with their defaults, so both refuse the same combinations. ARNs are compared as
 * written: for the construct's token ARNs, the same token is the same group.
 */
export function crossFieldViolation(
  config: Pick<ServiceConfig, 'pollSeconds' | 'healthTimeoutSeconds'> & {
    readonly traffic: { readonly blueTargetGroupArn: string; readonly greenTargetGroupArn: string };
  },
): CrossFieldViolation | undefined {
  if (config.traffic.blueTargetGroupArn === config.traffic.greenTargetGroupArn) {
    return {
      field: 'traffic.greenTargetGroupArn',
      value: config.traffic.greenTargetGroupArn,
      kind: 'same-as',
      other: 'traffic.blueTargetGroupArn',
    };
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
