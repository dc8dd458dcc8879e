/**
 * The construct's `traffic` prop, one interface per router (DESIGN.md, "Every router"). The same
 * keys as the config file; ARNs may be tokens of resources in the same app.
 */

/** Gradual shifting: traffic moves through `steps` (percentages ending at 100), each watched for `stepBakeSeconds`. */
export interface TrafficShift {
  /** Percentages of traffic on the new side, increasing, the last one 100, e.g. [10, 50, 100]. */
  readonly steps: readonly number[];
  /** Seconds each step but the last is watched like the bake; `bakeSeconds` is the watch after the last. */
  readonly stepBakeSeconds: number;
}

/** A further ALB route switched with the listener: another listener's default action, or a listener rule. */
export interface AlbRoute {
  /** Another listener whose default action forwards to the two groups. */
  readonly listenerArn?: string;
  /** A listener rule whose forward action lists the two groups. */
  readonly ruleArn?: string;
}

/** The router: an ALB listener whose default forward action lists both target groups. */
export interface AlbListenerTraffic {
  /** Router type. */
  readonly type: 'alb-listener';
  /** ARN of the listener whose default action the workflow switches. */
  readonly listenerArn: string;
  /** ARN of the blue environment's target group. */
  readonly blueTargetGroupArn: string;
  /** ARN of the green environment's target group. */
  readonly greenTargetGroupArn: string;
  /**
   * Further listeners or listener rules forwarding to the same two groups, switched together.
   * @default none
   */
  readonly routes?: readonly AlbRoute[];
  /**
   * The Cognito user pools of the routes' `authenticate-cognito` actions (rewriting one needs
   * `cognito-idp:DescribeUserPoolClient` on its pool).
   * @default none: a route that authenticates with Cognito is refused before anything moves
   */
  readonly cognitoUserPoolArns?: readonly string[];
  /** @default all traffic moves at once */
  readonly shift?: TrafficShift;
}

/** The router: a Lambda alias that callers invoke, pointing at the version of the live helper alias. */
export interface LambdaAliasTraffic {
  readonly type: 'lambda-alias';
  /** The function's name or unqualified ARN. */
  readonly functionName: string;
  /** The alias callers invoke: the router. */
  readonly aliasName: string;
  /** @default 'blue' */
  readonly blueAliasName?: string;
  /** @default 'green' */
  readonly greenAliasName?: string;
  /**
   * A smoke test: the idle helper alias is invoked with this payload and must answer without a
   * function error before traffic moves to it.
   * @default no smoke test (an Active version is healthy)
   */
  readonly healthCheck?: { readonly payload: Record<string, unknown> };
  /** @default all traffic moves at once */
  readonly shift?: TrafficShift;
}

/**
 * The router: two weighted Route 53 records of one name and type, told apart by set identifier.
 * Give each side one health source: a target group ARN or a Route 53 health check id.
 */
export interface Route53WeightedTraffic {
  /** Router type. */
  readonly type: 'route53-weighted';
  /** The hosted zone's id (without `/hostedzone/`). */
  readonly hostedZoneId: string;
  /** The records' DNS name, e.g. `api.example.com` (trailing dot optional, compared case-insensitively). */
  readonly recordName: string;
  /** The records' type, e.g. `A` (alias or not) or `CNAME`. */
  readonly recordType: string;
  /** @default 'blue' */
  readonly blueSetIdentifier?: string;
  /** @default 'green' */
  readonly greenSetIdentifier?: string;
  /**
   * Blue's health: all targets of this group healthy (read in the ARN's region).
   * @default none: give blueHealthCheckId instead
   */
  readonly blueTargetGroupArn?: string;
  /**
   * Green's health: all targets of this group healthy (read in the ARN's region).
   * @default none: give greenHealthCheckId instead
   */
  readonly greenTargetGroupArn?: string;
  /**
   * Blue's health: a Route 53 health check that every checker reports healthy.
   * @default none: give blueTargetGroupArn instead
   */
  readonly blueHealthCheckId?: string;
  /**
   * Green's health: a Route 53 health check that every checker reports healthy.
   * @default none: give greenTargetGroupArn instead
   */
  readonly greenHealthCheckId?: string;
  /** @default all traffic moves at once */
  readonly shift?: TrafficShift;
}

export type TrafficProps = AlbListenerTraffic | LambdaAliasTraffic | Route53WeightedTraffic;
