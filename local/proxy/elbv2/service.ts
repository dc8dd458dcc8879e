import type * as http from 'node:http';
import { REGION } from '../../common/account';
import { listenerOfRule, regionOf } from '../../common/arn';
import { forwardWeights } from '../../common/forward-weights';
import { isPlainBody, type Upstream, type UpstreamResponse, withBody } from '../http';
import { buildXml, parseXml, queryError } from '../query-xml';
import {
  actionsFromParams,
  addForwardConfig,
  ELBV2_NAMESPACE,
  readDescription,
  targetHealthDescriptions,
  writeTargetHealth,
} from './actions';
import type { TargetHealthTruth } from './target-health';

export type RouterWriteAction = 'ModifyListener' | 'CreateRule' | 'ModifyRule';

export interface RouterWrite {
  /** Date.now() when the write reached the proxy. */
  readonly at: number;
  readonly action: RouterWriteAction;
  readonly listenerArn: string;
  /** For ModifyRule (the rule written). */
  readonly ruleArn?: string;
  /** Forward weights the write sets; a plain TargetGroupArn forward counts as 100; no forward is `{}`. */
  readonly weights: Record<string, number>;
  /** For every group in `weights`: were all its targets healthy (and was there at least one)? */
  readonly healthyAtWrite: Record<string, boolean>;
  /** moto's HTTP status for the write; only accepted (2xx) writes can be violations. */
  readonly status: number;
  readonly accepted: boolean;
  readonly violation?: string;
}

/**
 * The ELBv2 API made honest: DescribeTargetHealth answers the truth, router writes (ModifyListener,
 * CreateRule, ModifyRule) are recorded with the health of each group they name, as the truth saw it
 * just before the write reached moto, and a write that gives weight to a group that was not entirely
 * healthy is flagged. Plain forwards in responses get AWS's ForwardConfig (opt out with
 * `awsForwardShape: false`).
 */
export class Elbv2Honesty {
  readonly routerWrites: RouterWrite[] = [];
  readonly violations: string[] = [];
  private readonly writeListeners = new Set<(w: RouterWrite) => void>();

  constructor(
    private readonly upstream: Upstream,
    private readonly truth: TargetHealthTruth,
    private readonly awsForwardShape: boolean,
  ) {}

  onRouterWrite(listener: (w: RouterWrite) => void): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  /** Answers one ELBv2 request (Query protocol), `params` being its query and form parameters. */
  async handle(
    region: string,
    req: http.IncomingMessage,
    body: Buffer,
    params: URLSearchParams,
  ): Promise<UpstreamResponse> {
    const action = params.get('Action') ?? '';
    await this.truth.settleRegion(region || REGION);
    switch (action) {
      case 'DescribeTargetHealth':
        return this.describeTargetHealth(req, body, params);
      case 'ModifyListener':
      case 'CreateRule':
      case 'ModifyRule':
        return this.write(action, req, body, params);
      default: {
        const up = await this.upstream.forward(req, body);
        if (up.status >= 200 && up.status < 300) this.truth.afterWrite(action, params);
        return this.reshape(action, up);
      }
    }
  }

  private async describeTargetHealth(
    req: http.IncomingMessage,
    body: Buffer,
    params: URLSearchParams,
  ): Promise<UpstreamResponse> {
    const tg = params.get('TargetGroupArn');
    // Both are reads: asking moto about references alongside saves a round trip.
    const [up, referenced] = await Promise.all([
      this.upstream.forward(req, body),
      tg ? this.truth.referencedNow(regionOf(tg)) : Promise.resolve(new Set<string>()),
    ]);
    if (up.status !== 200 || !tg || !isPlainBody(up)) return up;
    const doc = parseXml(up.body.toString('utf8'));
    const descriptions = targetHealthDescriptions(doc);
    const motoView = descriptions.map(readDescription);
    const truth = this.truth.truth(tg, motoView, referenced);
    let changed = false;
    for (const [i, member] of descriptions.entries()) {
      const t = truth[i];
      if (!t || t === motoView[i]) continue;
      writeTargetHealth(member, t);
      changed = true;
    }
    return changed ? withBody(up, buildXml(doc)) : up;
  }

  private async write(
    action: RouterWriteAction,
    req: http.IncomingMessage,
    body: Buffer,
    params: URLSearchParams,
  ): Promise<UpstreamResponse> {
    const at = Date.now();
    const prefix = action === 'ModifyListener' ? 'DefaultActions' : 'Actions';
    const weights = forwardWeights(actionsFromParams(params, prefix));
    const ruleArn = action === 'ModifyRule' ? (params.get('RuleArn') ?? '') : undefined;
    const listenerArn = ruleArn ? listenerOfRule(ruleArn) : (params.get('ListenerArn') ?? '');

    const healthyAtWrite: Record<string, boolean> = {};
    const problems: string[] = [];
    const groups = Object.keys(weights);
    const regions = [...new Set(groups.map(regionOf))];
    const [views, referenced] = await Promise.all([
      Promise.all(
        groups.map((tg) =>
          this.truth.motoTargetHealth(tg).catch((error: unknown) => {
            if ((error as Error).name === 'TargetGroupNotFoundException') return undefined;
            throw error;
          }),
        ),
      ),
      Promise.all(regions.map((r) => this.truth.referencedNow(r))).then(
        (sets) => new Set(sets.flatMap((x) => [...x])),
      ),
    ]);
    for (const [i, tg] of groups.entries()) {
      const targets = this.truth.truth(tg, views[i] ?? [], referenced);
      const healthy = targets.length > 0 && targets.every((t) => t.state === 'healthy');
      healthyAtWrite[tg] = healthy;
      if (!healthy && (weights[tg] ?? 0) > 0) {
        const detail =
          targets.length === 0
            ? 'it had no registered targets'
            : `its targets were ${targets.map((t) => `${t.id} ${t.state}${t.reason ? ` (${t.reason})` : ''}`).join(', ')}`;
        problems.push(`weight ${weights[tg]} to ${tg} while ${detail}`);
      }
    }

    // moto accepts forwards to groups that do not exist and weights outside 0..999; AWS refuses both.
    const badWeight = Object.entries(weights).find(([, w]) => !Number.isInteger(w) || w < 0 || w > 999);
    const up = groups.some((_, i) => views[i] === undefined)
      ? queryError(ELBV2_NAMESPACE, 'TargetGroupNotFound', 'One or more target groups not found')
      : badWeight
        ? queryError(
            ELBV2_NAMESPACE,
            'ValidationError',
            `Weight ${badWeight[1]} of target group ${badWeight[0]} must be between 0 and 999`,
          )
        : await this.upstream.forward(req, body);
    const accepted = up.status >= 200 && up.status < 300;
    if (accepted) this.truth.markReferenced(Object.keys(weights));
    const violation =
      accepted && problems.length > 0
        ? `${action} of ${ruleArn ?? listenerArn} at ${new Date(at).toISOString()} gave ${problems.join('; ')}`
        : undefined;
    const write: RouterWrite = {
      at,
      action,
      listenerArn,
      ...(ruleArn ? { ruleArn } : {}),
      weights,
      healthyAtWrite,
      status: up.status,
      accepted,
      ...(violation ? { violation } : {}),
    };
    this.routerWrites.push(write);
    if (violation) this.violations.push(violation);
    for (const listener of this.writeListeners) {
      try {
        listener(write);
      } catch {
        // An observer's bug must not turn into a failed AWS call.
      }
    }
    return this.reshape(action, up);
  }

  /** Responses that carry actions get AWS's ForwardConfig for plain forwards. */
  private reshape(action: string, up: UpstreamResponse): UpstreamResponse {
    if (!this.awsForwardShape || up.status !== 200 || !isPlainBody(up)) return up;
    if (!/^(Describe|Create|Modify)(Listeners?|Rules?)$/.test(action)) return up;
    const doc = parseXml(up.body.toString('utf8'));
    return addForwardConfig(doc) ? withBody(up, buildXml(doc)) : up;
  }
}
