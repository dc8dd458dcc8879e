import type { LambdaClient } from '@aws-sdk/client-lambda';
import { isTransient } from '../../aws/transient';
import { COLORS, type Color, type LambdaAliasTraffic, otherColor, RouterStateUnknown } from '../../contract';
import type { Router, RouterView, RouterWords, SideHealth } from '../port';
import { refuseSplit } from '../split';
import {
  type AliasesRead,
  functionArnOfAlias,
  helperAliasOf,
  type LambdaRouterRead,
  readAliases,
  routerName,
  routerUpdateFor,
} from './aliases';
import { missingHelper, summarizeVersion } from './health';
import { createAlias, errorName, getAlias, getConfiguration, smokeTest, updateAlias } from './lambda';

export { helperAliasOf } from './aliases';

/**
 * The `lambda-alias` router: callers invoke the router alias, which points at the version of the
 * live helper alias (blue or green). A switch is one UpdateAlias of the router with the RevisionId
 * as read, so a concurrent edit fails instead of being overwritten. Versions are immutable: nothing
 * drains.
 */
export class LambdaAliasRouter implements Router {
  readonly kind = 'alias';
  readonly name: string;
  readonly words: RouterWords = {
    attach: (idle) =>
      `create the live side's helper alias, then point ${idle}'s helper alias at the new version (Lambda reports a version's state without traffic, so nothing else is attached)`,
    unattached: (idle) => `${idle} has no helper alias yet, so its version is not known`,
    drain: 'nothing: versions are immutable',
    drainSource: (alias) => `${alias} (a version has nothing to drain)`,
  };
  private aliases: AliasesRead | undefined;
  private roles: LambdaRouterRead | undefined;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly traffic: LambdaAliasTraffic,
  ) {
    this.name = routerName(traffic);
  }

  async read(): Promise<RouterView> {
    const { functionName, aliasName } = this.traffic;
    const [router, blue, green] = await Promise.all([
      getAlias(this.lambda, functionName, aliasName),
      getAlias(this.lambda, functionName, this.traffic.blueAliasName),
      getAlias(this.lambda, functionName, this.traffic.greenAliasName),
    ]);
    if (!router) {
      throw new RouterStateUnknown(
        `${this.name} was not found: create the router alias at the live version, or check traffic.functionName, traffic.aliasName and the region`,
      );
    }
    this.aliases = { router, ...(blue ? { blue } : {}), ...(green ? { green } : {}) };
    this.roles = readAliases(this.traffic, this.aliases, { allowSplit: !!this.traffic.shift });
    return this.viewOf(this.roles, router.aliasArn);
  }

  async inspect(): Promise<RouterView> {
    try {
      await getConfiguration(this.lambda, this.traffic.functionName);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') {
        throw new RouterStateUnknown(
          `function ${this.traffic.functionName} was not found: check traffic.functionName and the region`,
        );
      }
      throw error;
    }
    const view = await this.read();
    refuseSplit(this, view);
    return view;
  }

  /**
   * The first release creates the live side's helper alias (blue) at the router's version, so that
   * both sides are known by their helper aliases from then on. Answers whether it created it.
   */
  async attachIdle(): Promise<boolean> {
    if (!this.roles || !this.aliases) await this.read();
    const roles = this.roles!;
    if (!roles.liveHelperMissing) return false;
    const helper = helperAliasOf(this.traffic, roles.live);
    await createAlias(this.lambda, {
      functionName: this.traffic.functionName,
      name: helper,
      functionVersion: this.aliases!.router.functionVersion,
      description: `${roles.live} side of the blue-green releases behind ${this.name}`,
    });
    await this.read();
    return true;
  }

  async write(target: Color, percent = 100): Promise<void> {
    if (!this.roles || !this.aliases) await this.read();
    const update = routerUpdateFor(this.traffic, this.roles!, target, percent);
    const router = await updateAlias(this.lambda, {
      functionName: this.traffic.functionName,
      name: this.traffic.aliasName,
      functionVersion: update.FunctionVersion,
      weights: update.RoutingConfig.AdditionalVersionWeights,
      revisionId: this.aliases!.router.revisionId,
    });
    // A further write in this invocation starts from what this one wrote.
    this.aliases = { ...this.aliases!, router };
    this.roles = readAliases(this.traffic, this.aliases, { allowSplit: true });
  }

  async sideHealth(color: Color): Promise<SideHealth> {
    const { functionName, healthCheck } = this.traffic;
    const helper = helperAliasOf(this.traffic, color);
    let version: Awaited<ReturnType<typeof getConfiguration>>;
    try {
      version = await getConfiguration(this.lambda, functionName, helper);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') return missingHelper(color, helper, functionName);
      throw error;
    }
    const state = {
      version: version.Version ?? '?',
      state: version.State,
      stateReason: version.StateReason,
      lastUpdateStatus: version.LastUpdateStatus,
      lastUpdateStatusReason: version.LastUpdateStatusReason,
    };
    const ready = summarizeVersion(color, helper, state);
    if (!ready.healthy || !healthCheck) return ready;
    try {
      return summarizeVersion(
        color,
        helper,
        state,
        await smokeTest(this.lambda, functionName, helper, healthCheck.payload),
      );
    } catch (error) {
      if (isTransient(error)) throw error;
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        healthy: false,
        total: 1,
        healthyCount: 0,
        summary: `${color}: the smoke test of helper alias ${helper} could not be invoked (${e.name}: ${e.message})`,
      };
    }
  }

  /** Versions are immutable and the old one keeps serving its requests in flight: nothing drains. */
  async drainSeconds(_color: Color): Promise<number> {
    return 0;
  }

  private viewOf(read: LambdaRouterRead, routerArn: string | undefined): RouterView {
    const functionArn = routerArn ? functionArnOfAlias(routerArn) : this.traffic.functionName;
    const sides = Object.fromEntries(
      COLORS.map((c) => [c, `${functionArn}:${helperAliasOf(this.traffic, c)}`]),
    ) as Record<Color, string>;
    return {
      live: read.live,
      idle: otherColor(read.live),
      ...(read.split ? { split: read.split } : {}),
      idleAttached: read.idleAttached,
      weights: read.weights,
      sides,
      scope: functionArn,
    };
  }
}
