import { COLORS, type Color, type LambdaAliasTraffic, otherColor, RouterStateUnknown } from '../../contract';

/**
 * Pure logic over the `lambda-alias` router: the router alias points at the version of the live
 * helper alias (blue or green); a shift step adds the other helper's version as an additional
 * weight. No AWS calls here.
 */

/** An alias as GetAlias answers it, reduced to what decides where traffic goes. */
export interface AliasState {
  readonly functionVersion: string;
  /** RoutingConfig.AdditionalVersionWeights (empty: none). */
  readonly weights: Readonly<Record<string, number>>;
  readonly revisionId?: string;
  readonly aliasArn?: string;
}

/** The router alias and both helper aliases (absent: the helper does not exist). */
export interface AliasesRead {
  readonly router: AliasState;
  readonly blue?: AliasState;
  readonly green?: AliasState;
}

export interface LambdaRouterRead {
  readonly live: Color;
  readonly split?: Record<Color, number>;
  /** Both helper aliases exist: each side's version, so its health, is known. */
  readonly idleAttached: boolean;
  readonly weights: Record<Color, number | null>;
  /** Each side's version; blue's is the router's on a first release, before its helper exists. */
  readonly versions: Record<Color, string | undefined>;
  /** The live side has no helper alias yet (the first release): it is created at the router's version. */
  readonly liveHelperMissing: boolean;
}

export function helperAliasOf(traffic: LambdaAliasTraffic, color: Color): string {
  return color === 'blue' ? traffic.blueAliasName : traffic.greenAliasName;
}

/** "alias live of payments": how messages name the router. */
export function routerName(traffic: LambdaAliasTraffic): string {
  return `alias ${traffic.aliasName} of ${traffic.functionName}`;
}

function describeWeights(weights: Readonly<Record<string, number>>): string {
  return Object.entries(weights)
    .map(([version, weight]) => `version ${version} at ${weight}`)
    .join(', ');
}

/**
 * Reads the three aliases into roles. Only the states this workflow makes are accepted: the router
 * at the version of exactly one helper alias, with no additional weights, or (when `allowSplit`,
 * i.e. `traffic.shift` is configured) one additional weight for the other helper's version.
 * `$LATEST` is never a side. Anything else is RouterStateUnknown, naming what was found.
 */
export function readAliases(
  traffic: LambdaAliasTraffic,
  aliases: AliasesRead,
  opts: { readonly allowSplit?: boolean } = {},
): LambdaRouterRead {
  const name = routerName(traffic);
  const { router } = aliases;
  if (router.functionVersion === '$LATEST') {
    throw new RouterStateUnknown(
      `${name} points at $LATEST, which is never a side: point it at the published version of the live helper alias (${traffic.blueAliasName} or ${traffic.greenAliasName})`,
    );
  }
  for (const color of COLORS) {
    const helper = aliases[color];
    if (!helper) continue;
    const helperName = `helper alias ${helperAliasOf(traffic, color)} of ${traffic.functionName}`;
    if (helper.functionVersion === '$LATEST') {
      throw new RouterStateUnknown(
        `${helperName} (${color}) points at $LATEST, which is never a side: point it at a published version`,
      );
    }
    if (Object.keys(helper.weights).length > 0) {
      throw new RouterStateUnknown(
        `${helperName} (${color}) has a RoutingConfig (${describeWeights(helper.weights)}): a helper alias must point at one version`,
      );
    }
  }
  const found = `${traffic.blueAliasName}=${aliases.blue?.functionVersion ?? 'absent'}, ${traffic.greenAliasName}=${aliases.green?.functionVersion ?? 'absent'}`;
  if (aliases.blue && aliases.green && aliases.blue.functionVersion === aliases.green.functionVersion) {
    throw new RouterStateUnknown(
      `both helper aliases of ${traffic.functionName} point at version ${aliases.blue.functionVersion} (${found}), so which side is live cannot be told: point the idle helper alias at another version`,
    );
  }
  const matching = COLORS.filter((c) => aliases[c]?.functionVersion === router.functionVersion);
  const liveHelperMissing = matching.length === 0 && !aliases.blue;
  if (matching.length === 0 && !liveHelperMissing) {
    throw new RouterStateUnknown(
      `${name} points at version ${router.functionVersion}, which neither helper alias holds (${found}); point it at the live helper alias's version by hand, then retry`,
    );
  }
  const primary: Color = liveHelperMissing ? 'blue' : matching[0]!;
  const other = otherColor(primary);
  const versions: Record<Color, string | undefined> = {
    blue: aliases.blue?.functionVersion,
    green: aliases.green?.functionVersion,
  };
  versions[primary] = router.functionVersion;
  const idleAttached = !liveHelperMissing && aliases[other] !== undefined;

  const extra = Object.entries(router.weights);
  const weights: Record<Color, number | null> = {
    blue: null,
    green: null,
  };
  weights[primary] = 100;
  weights[other] = versions[other] === undefined ? null : 0;
  if (extra.length === 0) return { live: primary, idleAttached, weights, versions, liveHelperMissing };

  if (!opts.allowSplit) {
    throw new RouterStateUnknown(
      `${name} has a RoutingConfig this workflow did not write (${describeWeights(router.weights)}; traffic.shift is not configured): remove the additional version weights by hand, then retry`,
    );
  }
  const [version, weight] = extra[0]!;
  if (extra.length !== 1 || versions[other] === undefined || version !== versions[other]) {
    throw new RouterStateUnknown(
      `${name} at version ${router.functionVersion} gives weight to ${describeWeights(router.weights)}, not to the other helper alias's version (${found}): this workflow did not write that; remove the additional version weights by hand, then retry`,
    );
  }
  const share = Math.round(weight * 100);
  if (share <= 0) return { live: primary, idleAttached, weights, versions, liveHelperMissing };
  const split = { [primary]: 100 - share, [other]: share } as Record<Color, number>;
  const live: Color = split.green > split.blue ? 'green' : 'blue';
  return {
    live,
    split,
    idleAttached,
    weights: { blue: split.blue, green: split.green },
    versions,
    liveHelperMissing,
  };
}

/** What UpdateAlias of the router is given for one write. */
export interface RouterUpdate {
  readonly FunctionVersion: string;
  readonly RoutingConfig: { readonly AdditionalVersionWeights: Record<string, number> };
}

/**
 * The router alias that gives `target` `percent` of the traffic: at 100 the target's version with
 * no additional weights; a shift step keeps the side traffic leaves as the alias's version and
 * gives the target's version `percent / 100` as an additional weight.
 */
export function routerUpdateFor(
  traffic: LambdaAliasTraffic,
  read: Pick<LambdaRouterRead, 'versions'>,
  target: Color,
  percent = 100,
): RouterUpdate {
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) {
    throw new Error(`a router write gives 1 to 100 percent, got ${percent}`);
  }
  const targetVersion = read.versions[target];
  if (targetVersion === undefined) {
    throw new RouterStateUnknown(
      `helper alias ${helperAliasOf(traffic, target)} of ${traffic.functionName} does not exist, so ${target} has no version to send traffic to`,
    );
  }
  if (percent === 100)
    return { FunctionVersion: targetVersion, RoutingConfig: { AdditionalVersionWeights: {} } };
  const leaving = otherColor(target);
  const leavingVersion = read.versions[leaving];
  if (leavingVersion === undefined) {
    throw new RouterStateUnknown(
      `helper alias ${helperAliasOf(traffic, leaving)} of ${traffic.functionName} does not exist, so traffic cannot be split with ${leaving}`,
    );
  }
  return {
    FunctionVersion: leavingVersion,
    RoutingConfig: { AdditionalVersionWeights: { [targetVersion]: percent / 100 } },
  };
}

/** The function's unqualified ARN, from an alias ARN (`...:function:name:alias`). */
export function functionArnOfAlias(aliasArn: string): string {
  return aliasArn.split(':').slice(0, 7).join(':');
}
