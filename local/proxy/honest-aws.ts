import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Action,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type ApiCall, describeCall } from './api-calls';

/**
 * An HTTP proxy in front of moto that forwards every request unchanged except where moto is kinder
 * than AWS about the ALB:
 *
 * - Target health. moto reports every registered target `healthy` at once. Through the proxy, targets
 *   of a group that no listener default action or rule references report `unused`
 *   (`Target.NotInUse`); for `initialMs` after a group becomes referenced (or a target is registered
 *   into a referenced group) they report `initial` (`Elb.RegistrationInProgress`); afterwards moto's
 *   answer stands. Test overrides win over all of this.
 * - Forward actions. AWS describes a plain `TargetGroupArn` forward with a ForwardConfig as well
 *   (one group, weight 1, stickiness off); moto returns only the ARN. The proxy adds the
 *   ForwardConfig (opt out with `awsForwardShape: false`).
 *
 * It also records every router write (ModifyListener, CreateRule, ModifyRule) with the health of each
 * group it names, as the proxy's own truth saw it just before the write reached moto, and flags a
 * write that gives weight to a group that was not entirely healthy.
 *
 * Groups already referenced when the proxy first looks at a region (at start for `region`, on the
 * first ELB request for others) count as referenced long ago, so a live side is healthy at once. Use
 * `settle()` to end the `initial` period of groups made ready outside the proxy.
 */

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

export interface TargetHealthView {
  readonly id: string;
  readonly port?: number;
  readonly state: string;
  readonly reason?: string;
  readonly description?: string;
}

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

/** An AWS error the proxy answers instead of forwarding a matching request to moto. */
export interface Fault {
  /** SigV4 signing name: `elasticloadbalancing`, `dynamodb`, `monitoring`, `events`, `lambda`. */
  readonly service: string;
  readonly operation: string;
  /** Only requests from this caller (the user agent's app id); default: anyone. */
  readonly caller?: string;
  /** AWS's error code, e.g. `AccessDeniedException`. */
  readonly code: string;
  readonly message?: string;
  /** HTTP status; default 400. */
  readonly status?: number;
  /** How many requests fail; default: until removed. */
  readonly times?: number;
}

/** A stand-in for a Lambda function: receives the decoded event, returns the result (or throws). */
export type EmulatedFunction = (event: unknown) => unknown;

export interface HonestAwsOptions {
  readonly motoEndpoint: string;
  /** How long freshly referenced targets report `initial`. Default 2000. */
  readonly initialMs?: number;
  /** Add AWS's ForwardConfig to plain forward actions in responses. Default true. */
  readonly awsForwardShape?: boolean;
  /** Region whose current references count as settled at start. Default us-east-1. */
  readonly region?: string;
}

const FAKE_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ELBV2_VERSION = '2015-12-01';

const DEFAULT_REASONS: Record<string, { reason?: string; description?: string }> = {
  initial: { reason: 'Elb.RegistrationInProgress', description: 'Target registration is in progress' },
  healthy: {},
  unhealthy: { reason: 'Target.FailedHealthChecks', description: 'Health checks failed' },
  unused: {
    reason: 'Target.NotInUse',
    description: 'Target group is not configured to receive traffic from the load balancer',
  },
  draining: {
    reason: 'Target.DeregistrationInProgress',
    description: 'Target deregistration is in progress',
  },
  unavailable: { reason: 'Target.HealthCheckDisabled', description: 'Health checks are disabled' },
};

// Hop-by-hop headers belong to one connection; moto answers `Connection: close`, which must not end
// the client's keep-alive connection to the proxy.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

interface Override {
  readonly state: TargetHealthState;
  readonly reason?: string;
  readonly description?: string;
}

interface UpstreamResponse {
  readonly status: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: Buffer;
}

export class HonestAws {
  readonly endpoint: string;
  readonly routerWrites: RouterWrite[] = [];
  readonly violations: string[] = [];
  /** Every signed AWS API request that reached the proxy, in arrival order. */
  readonly calls: ApiCall[] = [];

  private initialMs: number;
  private readonly moto: URL;
  private readonly awsForwardShape: boolean;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly clients = new Map<string, ElasticLoadBalancingV2Client>();
  private readonly overrides = new Map<string, Map<string, Override>>();
  /** Target group ARN -> when the proxy first saw it referenced (0: before the proxy looked). */
  private readonly referencedAt = new Map<string, number>();
  /** `${tg}|${targetId}` -> when the proxy first saw the target registered. */
  private readonly targetSeenAt = new Map<string, number>();
  private readonly settledRegions = new Map<string, Promise<void>>();
  private readonly writeListeners = new Set<(w: RouterWrite) => void>();
  private readonly functions = new Map<string, EmulatedFunction>();
  private readonly faults = new Map<Fault, { left: number }>();

  private constructor(
    private readonly server: http.Server,
    opts: HonestAwsOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${address.port}`;
    this.moto = new URL(opts.motoEndpoint);
    this.initialMs = opts.initialMs ?? 2000;
    this.awsForwardShape = opts.awsForwardShape ?? true;
  }

  static async start(opts: HonestAwsOptions): Promise<HonestAws> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new HonestAws(server, opts);
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch((error: unknown) => proxy.fail(res, error));
    });
    try {
      await proxy.settleRegion(opts.region ?? 'us-east-1');
    } catch (error) {
      await proxy.stop();
      throw error;
    }
    return proxy;
  }

  setTargetHealth(
    targetGroupArn: string,
    targetId: string,
    state: TargetHealthState,
    reason?: string,
    description?: string,
  ): void {
    let group = this.overrides.get(targetGroupArn);
    if (!group) {
      group = new Map();
      this.overrides.set(targetGroupArn, group);
    }
    const defaults = DEFAULT_REASONS[state] ?? {};
    group.set(targetId, {
      state,
      reason: reason ?? defaults.reason,
      description: description ?? (reason ? undefined : defaults.description),
    });
  }

  clearTargetHealth(targetGroupArn?: string): void {
    if (targetGroupArn) this.overrides.delete(targetGroupArn);
    else this.overrides.clear();
  }

  setInitialMs(ms: number): void {
    this.initialMs = ms;
  }

  /**
   * Ends the `initial` period now for the given group (or every referenced group), e.g. when a test
   * built its fixture directly against moto after the proxy started.
   */
  async settle(targetGroupArn?: string): Promise<void> {
    const regions = targetGroupArn ? [regionOf(targetGroupArn)] : [...this.settledRegions.keys()];
    for (const region of regions) await this.referencedGroups(region, Date.now());
    for (const arn of this.referencedAt.keys()) {
      if (targetGroupArn && arn !== targetGroupArn) continue;
      this.referencedAt.set(arn, 0);
      for (const key of this.targetSeenAt.keys())
        if (key.startsWith(`${arn}|`)) this.targetSeenAt.set(key, 0);
    }
  }

  /**
   * Answers Lambda `Invoke` of `functionArn` (by ARN or name, any qualifier) with `handler`, as the
   * Lambda service would: the handler's result as the payload, a thrown error as an `Unhandled`
   * function error. moto cannot run functions without Docker; this stands in for a user's function.
   */
  emulateFunction(functionArn: string, handler: EmulatedFunction): void {
    this.functions.set(functionArn.split(':').slice(0, 7).join(':'), handler);
  }

  /** Makes matching requests fail with an AWS error until the returned function is called. */
  injectFault(fault: Fault): () => void {
    this.faults.set(fault, { left: fault.times ?? Number.POSITIVE_INFINITY });
    return () => this.faults.delete(fault);
  }

  onRouterWrite(listener: (w: RouterWrite) => void): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  /** What DescribeTargetHealth through the proxy reports for every registered target of the group. */
  async targetHealth(targetGroupArn: string): Promise<TargetHealthView[]> {
    const [raw, referenced] = await Promise.all([
      this.motoTargetHealth(targetGroupArn),
      this.referencedNow(regionOf(targetGroupArn)),
    ]);
    return this.truth(targetGroupArn, raw, referenced);
  }

  private async motoTargetHealth(targetGroupArn: string): Promise<TargetHealthView[]> {
    const region = regionOf(targetGroupArn);
    const out = await this.client(region).send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
    );
    return (out.TargetHealthDescriptions ?? []).map((d) => ({
      id: d.Target?.Id ?? '',
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      state: d.TargetHealth?.State ?? 'unavailable',
      ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
      ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
    }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  // ---- truth ---------------------------------------------------------------------------------------

  private client(region: string): ElasticLoadBalancingV2Client {
    let client = this.clients.get(region);
    if (!client) {
      client = new ElasticLoadBalancingV2Client({
        endpoint: this.moto.origin,
        region,
        credentials: FAKE_CREDENTIALS,
        maxAttempts: 1,
      });
      this.clients.set(region, client);
    }
    return client;
  }

  private settleRegion(region: string): Promise<void> {
    let pending = this.settledRegions.get(region);
    if (!pending) {
      pending = this.snapshot(region);
      this.settledRegions.set(region, pending);
      pending.catch(() => this.settledRegions.delete(region));
    }
    return pending;
  }

  private async snapshot(region: string): Promise<void> {
    await this.referencedGroups(region, 0);
    const client = this.client(region);
    let marker: string | undefined;
    do {
      const page = await client.send(new DescribeTargetGroupsCommand({ Marker: marker }));
      for (const tg of page.TargetGroups ?? []) {
        const arn = tg.TargetGroupArn ?? '';
        const health = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
        for (const d of health.TargetHealthDescriptions ?? []) {
          if (d.Target?.Id) this.targetSeenAt.set(`${arn}|${d.Target.Id}`, 0);
        }
      }
      marker = page.NextMarker;
    } while (marker);
  }

  /**
   * Asks moto which target groups any listener or rule of any load balancer in the region forwards
   * to (weight 0 included), and records when each was first seen so.
   */
  private async referencedGroups(region: string, seenAt: number): Promise<Set<string>> {
    const client = this.client(region);
    const referenced = new Set<string>();
    const listenerArns: string[] = [];
    let lbMarker: string | undefined;
    do {
      const lbs = await client.send(new DescribeLoadBalancersCommand({ Marker: lbMarker }));
      await Promise.all(
        (lbs.LoadBalancers ?? []).map(async (lb) => {
          let marker: string | undefined;
          do {
            const page = await client.send(
              new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn, Marker: marker }),
            );
            for (const listener of page.Listeners ?? []) {
              for (const arn of referencedBy(listener.DefaultActions)) referenced.add(arn);
              if (listener.ListenerArn) listenerArns.push(listener.ListenerArn);
            }
            marker = page.NextMarker;
          } while (marker);
        }),
      );
      lbMarker = lbs.NextMarker;
    } while (lbMarker);
    await Promise.all(
      listenerArns.map(async (listenerArn) => {
        let marker: string | undefined;
        do {
          const page = await client.send(
            new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker }),
          );
          for (const rule of page.Rules ?? [])
            for (const arn of referencedBy(rule.Actions)) referenced.add(arn);
          marker = page.NextMarker;
        } while (marker);
      }),
    );

    for (const arn of referenced) if (!this.referencedAt.has(arn)) this.referencedAt.set(arn, seenAt);
    for (const arn of [...this.referencedAt.keys()]) {
      // A group that stops being referenced goes back to `unused`; referenced again, it starts over.
      if (!referenced.has(arn) && regionOf(arn) === region) this.referencedAt.delete(arn);
    }
    return referenced;
  }

  private async referencedNow(region: string): Promise<Set<string>> {
    await this.settleRegion(region);
    return this.referencedGroups(region, Date.now());
  }

  /** Applies the honesty rules to moto's view of a group's targets. */
  private truth(
    targetGroupArn: string,
    motoView: readonly TargetHealthView[],
    referencedGroups: Set<string>,
  ): TargetHealthView[] {
    const now = Date.now();
    const referenced = referencedGroups.has(targetGroupArn);
    const overrides = this.overrides.get(targetGroupArn);
    return motoView.map((target) => {
      if (target.reason === 'Target.NotRegistered') return target;
      const key = `${targetGroupArn}|${target.id}`;
      if (!this.targetSeenAt.has(key)) this.targetSeenAt.set(key, now);
      const override = overrides?.get(target.id);
      if (override) return view(target, override.state, override.reason, override.description);
      if (!referenced) return view(target, 'unused');
      const since = Math.max(this.referencedAt.get(targetGroupArn) ?? now, this.targetSeenAt.get(key) ?? now);
      // moto's non-healthy answers are facts about the instance (e.g. stopped): they stand.
      if (target.state === 'healthy' && now < since + this.initialMs) return view(target, 'initial');
      return target;
    });
  }

  // ---- proxy ---------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const call = describeCall(req, body);
    if (call) this.calls.push(call);
    const fault = call ? this.takeFault(call) : undefined;
    if (fault) {
      this.send(res, faultResponse(fault, req));
      return;
    }
    const emulated = call ? this.emulatedFunction(call) : undefined;
    if (emulated) {
      this.send(res, await invokeEmulated(emulated, body));
      return;
    }
    if (call?.service !== 'elasticloadbalancing') {
      this.send(res, await this.forward(req, body));
      return;
    }
    const params = new URLSearchParams(new URL(req.url ?? '/', 'http://proxy').search);
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.append(k, v);
    const action = params.get('Action') ?? '';
    if (params.get('Version') !== ELBV2_VERSION) {
      // Classic ELB shares the signing name; it is passed through as is.
      this.send(res, await this.forward(req, body));
      return;
    }

    await this.settleRegion(call.region || 'us-east-1');
    switch (action) {
      case 'DescribeTargetHealth':
        this.send(res, await this.describeTargetHealth(req, body, params));
        return;
      case 'ModifyListener':
      case 'CreateRule':
      case 'ModifyRule':
        this.send(res, await this.routerWrite(action, req, body, params));
        return;
      default: {
        const up = await this.forward(req, body);
        if (up.status >= 200 && up.status < 300) this.afterWrite(action, params);
        this.send(res, this.reshape(action, up));
      }
    }
  }

  private takeFault(call: ApiCall): Fault | undefined {
    for (const [fault, count] of this.faults) {
      if (fault.service !== call.service || fault.operation !== call.operation) continue;
      if (fault.caller !== undefined && fault.caller !== call.caller) continue;
      count.left -= 1;
      if (count.left <= 0) this.faults.delete(fault);
      return fault;
    }
    return undefined;
  }

  private emulatedFunction(call: ApiCall): EmulatedFunction | undefined {
    if (call.service !== 'lambda' || call.operation !== 'Invoke') return undefined;
    const ref = String(call.params.FunctionName ?? '');
    const unqualified = ref.startsWith('arn:') ? ref.split(':').slice(0, 7).join(':') : ref.split(':')[0];
    for (const [arn, handler] of this.functions) {
      if (unqualified === arn || unqualified === arn.split(':')[6]) return handler;
    }
    return undefined;
  }

  private async describeTargetHealth(
    req: http.IncomingMessage,
    body: Buffer,
    params: URLSearchParams,
  ): Promise<UpstreamResponse> {
    const tg = params.get('TargetGroupArn');
    // Both are reads: asking moto about references alongside saves a round trip.
    const [up, referenced] = await Promise.all([
      this.forward(req, body),
      tg ? this.referencedNow(regionOf(tg)) : Promise.resolve(new Set<string>()),
    ]);
    if (up.status !== 200 || !tg || !isPlainBody(up)) return up;
    const xml = up.body.toString('utf8');
    const members = [...xml.matchAll(/<member>((?:(?!<\/?member>)[\s\S])*)<\/member>/g)];
    const motoView = members.map((m) => parseDescription(m[1] ?? ''));
    const truth = this.truth(tg, motoView, referenced);
    let i = 0;
    const rewritten = xml.replace(
      /<member>((?:(?!<\/?member>)[\s\S])*)<\/member>/g,
      (whole, inner: string) => {
        const t = truth[i++];
        if (!t || t === motoView[i - 1]) return whole;
        return `<member>${withTargetHealth(inner, t)}</member>`;
      },
    );
    return withBody(up, rewritten);
  }

  private async routerWrite(
    action: RouterWriteAction,
    req: http.IncomingMessage,
    body: Buffer,
    params: URLSearchParams,
  ): Promise<UpstreamResponse> {
    const at = Date.now();
    const prefix = action === 'ModifyListener' ? 'DefaultActions' : 'Actions';
    const weights = weightsOf(actionsFromParams(params, prefix));
    const ruleArn = action === 'ModifyRule' ? (params.get('RuleArn') ?? '') : undefined;
    const listenerArn = ruleArn ? listenerOfRule(ruleArn) : (params.get('ListenerArn') ?? '');

    const healthyAtWrite: Record<string, boolean> = {};
    const problems: string[] = [];
    const groups = Object.keys(weights);
    const regions = [...new Set(groups.map(regionOf))];
    const [views, referenced] = await Promise.all([
      Promise.all(
        groups.map((tg) =>
          this.motoTargetHealth(tg).catch((error: unknown) => {
            if ((error as Error).name === 'TargetGroupNotFoundException') return undefined;
            throw error;
          }),
        ),
      ),
      Promise.all(regions.map((r) => this.referencedNow(r))).then(
        (sets) => new Set(sets.flatMap((x) => [...x])),
      ),
    ]);
    for (const [i, tg] of groups.entries()) {
      const targets = this.truth(tg, views[i] ?? [], referenced);
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
      ? elbError('TargetGroupNotFound', 'One or more target groups not found')
      : badWeight
        ? elbError(
            'ValidationError',
            `Weight ${badWeight[1]} of target group ${badWeight[0]} must be between 0 and 999`,
          )
        : await this.forward(req, body);
    const accepted = up.status >= 200 && up.status < 300;
    if (accepted) this.markReferenced(Object.keys(weights));
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

  /**
   * Starts the `initial` clock of groups a successful write references, at the write. A group the
   * write stopped referencing is noticed at the next read (every read and write asks moto first), so
   * a group detached and attached again starts over.
   */
  private markReferenced(groups: readonly string[]): void {
    const now = Date.now();
    for (const tg of groups) if (!this.referencedAt.has(tg)) this.referencedAt.set(tg, now);
  }

  /** Keeps the proxy's picture of registrations and references current after a successful write. */
  private afterWrite(action: string, params: URLSearchParams): void {
    if (action === 'CreateListener') {
      this.markReferenced(Object.keys(weightsOf(actionsFromParams(params, 'DefaultActions'))));
      return;
    }
    if (action !== 'RegisterTargets' && action !== 'DeregisterTargets') return;
    const now = Date.now();
    const tg = params.get('TargetGroupArn') ?? '';
    for (const [key, id] of params) {
      if (!/^Targets\.member\.\d+\.Id$/.test(key)) continue;
      if (action === 'RegisterTargets') this.targetSeenAt.set(`${tg}|${id}`, now);
      else this.targetSeenAt.delete(`${tg}|${id}`);
    }
  }

  /** Responses that carry actions get AWS's ForwardConfig for plain forwards. */
  private reshape(action: string, up: UpstreamResponse): UpstreamResponse {
    if (!this.awsForwardShape || up.status !== 200 || !isPlainBody(up)) return up;
    if (!/^(Describe|Create|Modify)(Listeners?|Rules?)$/.test(action)) return up;
    const xml = up.body.toString('utf8');
    const rewritten = xml.replace(
      /<member>((?:(?!<\/?member>)[\s\S])*)<\/member>/g,
      (whole, inner: string) => {
        if (!/<Type>forward<\/Type>/.test(inner) || /<ForwardConfig\s*\/?>/.test(inner)) return whole;
        const arn = /<TargetGroupArn>([^<]*)<\/TargetGroupArn>/.exec(inner)?.[1];
        if (!arn) return whole;
        return (
          `<member>${inner}<ForwardConfig><TargetGroups><member><TargetGroupArn>${arn}</TargetGroupArn>` +
          '<Weight>1</Weight></member></TargetGroups><TargetGroupStickinessConfig><Enabled>false</Enabled>' +
          '</TargetGroupStickinessConfig></ForwardConfig></member>'
        );
      },
    );
    return rewritten === xml ? up : withBody(up, rewritten);
  }

  /** The same request, aimed at moto. */
  private upstreamOptions(req: http.IncomingMessage, headers: http.OutgoingHttpHeaders): http.RequestOptions {
    return {
      protocol: this.moto.protocol,
      hostname: this.moto.hostname,
      port: this.moto.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    };
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const headers = forwardHeaders(req.headers);
      if (headers['transfer-encoding'] === undefined) headers['content-length'] = String(body.length);
      const upstream = http.request(this.upstreamOptions(req, headers), (up) => {
        readBody(up).then(
          (data) =>
            resolve({ status: up.statusCode ?? 502, headers: responseHeaders(up.headers), body: data }),
          reject,
        );
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  private send(res: http.ServerResponse, up: UpstreamResponse): void {
    res.writeHead(up.status, up.headers);
    res.end(up.body);
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`honest-aws proxy: ${message}`);
    } else {
      res.destroy(error instanceof Error ? error : undefined);
    }
  }
}

// ---- helpers -----------------------------------------------------------------------------------------

/** The error as the request's protocol carries it: JSON with `__type`, or Query's XML. */
function faultResponse(fault: Fault, req: http.IncomingMessage): UpstreamResponse {
  const message = fault.message ?? `injected ${fault.code}`;
  const status = fault.status ?? 400;
  if (req.headers['x-amz-target'] || fault.service === 'lambda') {
    const body = Buffer.from(JSON.stringify({ __type: fault.code, message }), 'utf8');
    return {
      status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-errortype': fault.code,
        'x-amzn-requestid': randomUUID(),
        'content-length': String(body.length),
      },
      body,
    };
  }
  const error = elbError(fault.code, message);
  return { ...error, status };
}

async function invokeEmulated(fn: EmulatedFunction, body: Buffer): Promise<UpstreamResponse> {
  const requestId = randomUUID();
  const headers = { 'content-type': 'application/json', 'x-amzn-requestid': requestId };
  let payload: string;
  let functionError: Record<string, string> = {};
  try {
    const event: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    payload = JSON.stringify((await fn(event)) ?? null);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    payload = JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] });
    functionError = { 'x-amz-function-error': 'Unhandled' };
  }
  const data = Buffer.from(payload, 'utf8');
  return {
    status: 200,
    headers: {
      ...headers,
      ...functionError,
      'x-amz-executed-version': '$LATEST',
      'content-length': String(data.length),
    },
    body: data,
  };
}

function elbError(code: string, message: string): UpstreamResponse {
  const requestId = randomUUID();
  const body = Buffer.from(
    `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/"><Error><Type>Sender</Type>` +
      `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
    'utf8',
  );
  return {
    status: 400,
    headers: {
      'content-type': 'text/xml',
      'content-length': String(body.length),
      'x-amzn-requestid': requestId,
    },
    body,
  };
}

function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

function listenerOfRule(ruleArn: string): string {
  return ruleArn.replace(':listener-rule/', ':listener/').replace(/\/[^/]+$/, '');
}

function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forwardHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function responseHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return forwardHeaders(headers);
}

function isPlainBody(up: UpstreamResponse): boolean {
  const encoding = up.headers['content-encoding'];
  return encoding === undefined || encoding === 'identity';
}

function withBody(up: UpstreamResponse, text: string): UpstreamResponse {
  const body = Buffer.from(text, 'utf8');
  const headers: http.OutgoingHttpHeaders = { ...up.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  return { status: up.status, headers, body };
}

function xmlText(inner: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(inner);
  return m ? unescapeXml(m[1] ?? '') : undefined;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    }
  });
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function parseDescription(inner: string): TargetHealthView {
  const target = /<Target>([\s\S]*?)<\/Target>/.exec(inner)?.[1] ?? '';
  const health = /<TargetHealth>([\s\S]*?)<\/TargetHealth>/.exec(inner)?.[1] ?? '';
  const port = xmlText(target, 'Port');
  const reason = xmlText(health, 'Reason');
  const description = xmlText(health, 'Description');
  return {
    id: xmlText(target, 'Id') ?? '',
    ...(port !== undefined ? { port: Number(port) } : {}),
    state: xmlText(health, 'State') ?? 'unavailable',
    ...(reason ? { reason } : {}),
    ...(description ? { description } : {}),
  };
}

function withTargetHealth(inner: string, t: TargetHealthView): string {
  const health =
    `<TargetHealth><State>${escapeXml(t.state)}</State>` +
    (t.reason ? `<Reason>${escapeXml(t.reason)}</Reason>` : '') +
    (t.description ? `<Description>${escapeXml(t.description)}</Description>` : '') +
    '</TargetHealth>';
  if (/<TargetHealth>[\s\S]*?<\/TargetHealth>|<TargetHealth\s*\/>/.test(inner)) {
    return inner.replace(/<TargetHealth>[\s\S]*?<\/TargetHealth>|<TargetHealth\s*\/>/, health);
  }
  return inner + health;
}

function view(
  target: TargetHealthView,
  state: string,
  reason?: string,
  description?: string,
): TargetHealthView {
  const defaults = reason === undefined && description === undefined ? (DEFAULT_REASONS[state] ?? {}) : {};
  const r = reason ?? defaults.reason;
  const d = description ?? defaults.description;
  return {
    id: target.id,
    ...(target.port !== undefined ? { port: target.port } : {}),
    state,
    ...(r ? { reason: r } : {}),
    ...(d ? { description: d } : {}),
  };
}

interface ParsedAction {
  type?: string;
  targetGroupArn?: string;
  tuples: Array<{ arn?: string; weight?: number }>;
}

/** Reads `<prefix>.member.N.*` Query-protocol parameters back into actions. */
function actionsFromParams(params: URLSearchParams, prefix: string): ParsedAction[] {
  const actions = new Map<number, ParsedAction>();
  const at = (n: number): ParsedAction => {
    let a = actions.get(n);
    if (!a) {
      a = { tuples: [] };
      actions.set(n, a);
    }
    return a;
  };
  const memberRe = new RegExp(`^${prefix}\\.member\\.(\\d+)\\.(.+)$`);
  for (const [key, value] of params) {
    const m = memberRe.exec(key);
    if (!m) continue;
    const action = at(Number(m[1]));
    const field = m[2] ?? '';
    if (field === 'Type') action.type = value;
    else if (field === 'TargetGroupArn') action.targetGroupArn = value;
    else {
      const t = /^ForwardConfig\.TargetGroups\.member\.(\d+)\.(TargetGroupArn|Weight)$/.exec(field);
      if (!t) continue;
      const i = Number(t[1]) - 1;
      action.tuples[i] ??= {};
      const tuple = action.tuples[i];
      if (t[2] === 'TargetGroupArn') tuple.arn = value;
      else tuple.weight = Number(value);
    }
  }
  return [...actions.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => a);
}

function weightsOf(actions: ParsedAction[]): Record<string, number> {
  const forward = actions.find((a) => a.type === 'forward');
  if (!forward) return {};
  const tuples = forward.tuples.filter((t): t is { arn: string; weight?: number } => Boolean(t?.arn));
  if (tuples.length > 0) return Object.fromEntries(tuples.map((t) => [t.arn, t.weight ?? 1]));
  return forward.targetGroupArn ? { [forward.targetGroupArn]: 100 } : {};
}

function referencedBy(actions: readonly Action[] | undefined): string[] {
  const arns: string[] = [];
  for (const action of actions ?? []) {
    if (action.Type !== 'forward') continue;
    if (action.TargetGroupArn) arns.push(action.TargetGroupArn);
    for (const t of action.ForwardConfig?.TargetGroups ?? [])
      if (t.TargetGroupArn) arns.push(t.TargetGroupArn);
  }
  return arns;
}
