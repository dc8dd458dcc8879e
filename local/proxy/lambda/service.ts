import { randomUUID } from 'node:crypto';
import { parseFunctionRef } from '../../common/arn';
import type { ApiCall } from '../api-calls';
import { isPlainBody, jsonError, type UpstreamResponse, withBody } from '../http';

/** How a published version answers Invoke: `ok` (its default answer), `error` (a function error), or a handler. */
export type VersionBehaviour = 'ok' | 'error' | ((event: unknown) => unknown);

/** A version's State and LastUpdateStatus as the proxy reports them (moto: always Active/Successful). */
export interface VersionStatus {
  readonly state: 'Pending' | 'Active' | 'Inactive' | 'Failed';
  readonly lastUpdateStatus?: 'Successful' | 'Failed' | 'InProgress';
  readonly reason?: string;
}

/** One UpdateAlias of the watched router alias, with each version's health at the write. */
export interface AliasWrite {
  readonly at: number;
  readonly functionName: string;
  readonly alias: string;
  /** Each version's share of traffic in percent, as the write sets it. */
  readonly weights: Record<string, number>;
  /** The version each helper alias pointed at when the write arrived. */
  readonly helpers: Record<string, string | undefined>;
  readonly status: number;
  readonly accepted: boolean;
  readonly violation?: string;
}

export interface LambdaHonestyOptions {
  /** How long $LATEST reports LastUpdateStatus InProgress after UpdateFunctionCode. Default 300. */
  readonly updateWindowMs?: number;
}

const PRECONDITION =
  'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id';

function lambdaError(code: string, message: string, status: number): UpstreamResponse {
  const up = jsonError(code, message, status);
  return { ...up, headers: { ...up.headers, 'content-type': 'application/json' } };
}

/**
 * Lambda made honest for the functions it serves (`serve`): Invoke of a version or alias answered
 * here, scriptable per version (moto needs Docker to run code); aliases get a RevisionId that
 * changes on every write and UpdateAlias with a stale one is refused (412) as AWS does; State and
 * LastUpdateStatus as AWS reports them, with an InProgress window after a code update; PublishVersion
 * refuses a CodeSha256 that is not $LATEST's; UpdateFunctionCode refuses a missing S3 object. An
 * UpdateAlias of the watched router alias that gives weight to an unhealthy version is a violation.
 */
export class LambdaHonesty {
  readonly aliasWrites: AliasWrite[] = [];
  readonly violations: string[] = [];
  private readonly served = new Set<string>();
  private readonly behaviours = new Map<string, VersionBehaviour>();
  private readonly statuses = new Map<string, VersionStatus>();
  private readonly revisions = new Map<string, string>();
  private readonly functionRevisions = new Map<string, string>();
  private readonly updating = new Map<string, { until: number; fail?: string }>();
  private readonly nextUpdateFails = new Map<string, string>();
  /** Aliases a test made unhealthy: whatever version they point at reports Failed and fails its invocations. */
  private readonly sickAliases = new Set<string>();
  private router: { functionName: string; alias: string; helpers: readonly string[] } | undefined;
  private beforeRouterWrite: (() => Promise<void>) | undefined;
  private readonly updateWindowMs: number;

  constructor(
    private readonly motoOrigin: string,
    opts: LambdaHonestyOptions = {},
  ) {
    this.updateWindowMs = opts.updateWindowMs ?? 300;
  }

  /** Answers Invoke of `functionName`'s versions and aliases here, and watches `routerAlias`'s writes. */
  serve(functionName: string, routerAlias?: string, helperAliases: readonly string[] = []): void {
    this.served.add(nameOf(functionName));
    if (routerAlias)
      this.router = { functionName: nameOf(functionName), alias: routerAlias, helpers: helperAliases };
  }

  /** How `version` answers Invoke from now on. */
  script(functionName: string, version: string, behaviour: VersionBehaviour): void {
    this.behaviours.set(`${nameOf(functionName)}:${version}`, behaviour);
  }

  /** What GetFunctionConfiguration reports for `version` from now on (undefined: Active, Successful). */
  setVersionStatus(functionName: string, version: string, status: VersionStatus | undefined): void {
    const key = `${nameOf(functionName)}:${version}`;
    if (status) this.statuses.set(key, status);
    else this.statuses.delete(key);
  }

  /** The next code update of `functionName` ends Failed with `reason`. */
  failNextCodeUpdate(functionName: string, reason: string): void {
    this.nextUpdateFails.set(nameOf(functionName), reason);
  }

  /** Runs `edit` once, just before the next UpdateAlias of the watched router reaches moto (a concurrent edit). */
  editBeforeNextRouterWrite(edit: () => Promise<void>): void {
    this.beforeRouterWrite = edit;
  }

  /** Makes whatever version `alias` points at report State Failed and answer function errors (or heals it). */
  setAliasHealth(functionName: string, alias: string, state: 'healthy' | 'unhealthy'): void {
    const key = `${nameOf(functionName)}:${alias}`;
    if (state === 'unhealthy') this.sickAliases.add(key);
    else this.sickAliases.delete(key);
  }

  reset(): void {
    this.sickAliases.clear();
    this.behaviours.clear();
    this.statuses.clear();
    this.nextUpdateFails.clear();
    this.beforeRouterWrite = undefined;
  }

  /** Whether a version would pass the router's health: Active, Successful, not scripted to fail. */
  async versionHealthy(functionName: string, version: string): Promise<boolean> {
    const fn = nameOf(functionName);
    const key = `${fn}:${version}`;
    const status = this.statuses.get(key);
    if (status && (status.state !== 'Active' || (status.lastUpdateStatus ?? 'Successful') !== 'Successful'))
      return false;
    if (this.behaviours.get(key) === 'error') return false;
    for (const sick of this.sickAliases) {
      const [owner, alias = ''] = sick.split(':');
      if (owner === fn && (await this.aliasVersion(fn, alias, false)) === version) return false;
    }
    return true;
  }

  /** Answers a Lambda request itself, or undefined to let it through to moto (then `reshape` the answer). */
  async handle(
    call: ApiCall,
    forward: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse | undefined> {
    const fn = nameOf(String(call.params.FunctionName ?? ''));
    const p = call.params;
    switch (call.operation) {
      case 'Invoke':
        return this.served.has(fn) ? this.invoke(fn, call) : undefined;
      case 'GetAlias':
      case 'CreateAlias': {
        const up = await forward();
        return this.withAliasRevision(fn, String(p.Name ?? ''), up, call.operation === 'CreateAlias');
      }
      case 'UpdateAlias':
        return this.updateAlias(fn, call, forward);
      case 'UpdateFunctionCode':
        return this.updateCode(fn, call, forward);
      case 'PublishVersion':
        return this.publish(fn, call, forward);
      case 'GetFunctionConfiguration':
      case 'GetFunction':
      case 'CreateFunction':
        return this.withStatus(
          fn,
          await forward(),
          typeof p.Qualifier === 'string' ? p.Qualifier : undefined,
        );
      default:
        return undefined;
    }
  }

  private async invoke(fn: string, call: ApiCall): Promise<UpstreamResponse> {
    const ref = parseFunctionRef(String(call.params.FunctionName ?? ''));
    const qualifier = String(call.params.Qualifier ?? ref.qualifier ?? '$LATEST');
    const version =
      /^\d+$/.test(qualifier) || qualifier === '$LATEST' ? qualifier : await this.aliasVersion(fn, qualifier);
    if (version === undefined) {
      return lambdaError('ResourceNotFoundException', `Function not found: ${fn}:${qualifier}`, 404);
    }
    const sick = this.sickAliases.has(`${fn}:${qualifier}`);
    const behaviour = sick ? 'error' : (this.behaviours.get(`${fn}:${version}`) ?? 'ok');
    let payload: string;
    let functionError = false;
    try {
      if (behaviour === 'error') throw new Error(`version ${version} of ${fn} is broken`);
      const result = behaviour === 'ok' ? { statusCode: 200, version } : await behaviour(call.params);
      payload = JSON.stringify(result ?? null);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      payload = JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] });
      functionError = true;
    }
    const body = Buffer.from(payload, 'utf8');
    return {
      status: 200,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': randomUUID(),
        'x-amz-executed-version': version,
        ...(functionError ? { 'x-amz-function-error': 'Unhandled' } : {}),
        'content-length': String(body.length),
      },
      body,
    };
  }

  /** The version an alias points at (its primary version; weights are drawn like Lambda does). */
  private async aliasVersion(fn: string, alias: string, draw = true): Promise<string | undefined> {
    const read = await this.moto(
      'GET',
      `/2015-03-31/functions/${encodeURIComponent(fn)}/aliases/${encodeURIComponent(alias)}`,
    );
    if (!ok(read.status)) return undefined;
    const primary = String(read.json.FunctionVersion ?? '');
    const weights = (
      read.json.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined
    )?.AdditionalVersionWeights;
    let left = draw ? Math.random() : 1;
    for (const [version, weight] of Object.entries(weights ?? {})) {
      if (left < weight) return version;
      left -= weight;
    }
    return primary;
  }

  private revisionOf(fn: string, alias: string, fresh = false): string {
    const key = `${fn}:${alias}`;
    let revision = this.revisions.get(key);
    if (!revision || fresh) {
      revision = randomUUID();
      this.revisions.set(key, revision);
    }
    return revision;
  }

  private withAliasRevision(
    fn: string,
    alias: string,
    up: UpstreamResponse,
    fresh: boolean,
  ): UpstreamResponse {
    if (up.status < 200 || up.status >= 300 || !isPlainBody(up)) return up;
    const json = JSON.parse(up.body.toString('utf8')) as Record<string, unknown>;
    json.RevisionId = this.revisionOf(fn, String(json.Name ?? alias), fresh);
    return withBody(up, JSON.stringify(json));
  }

  private async updateAlias(
    fn: string,
    call: ApiCall,
    forward: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const p = call.params;
    const alias = String(p.Name ?? '');
    const isRouter = this.router?.functionName === fn && this.router.alias === alias;
    if (isRouter && this.beforeRouterWrite) {
      const edit = this.beforeRouterWrite;
      this.beforeRouterWrite = undefined;
      await edit();
    }
    const at = Date.now();
    const weights = sharesOf(p);
    const helpers: Record<string, string | undefined> = {};
    if (isRouter) {
      for (const helper of this.router?.helpers ?? [])
        helpers[helper] = await this.aliasVersion(fn, helper, false);
    }
    let up: UpstreamResponse | undefined;
    if (typeof p.RevisionId === 'string' && p.RevisionId !== this.revisionOf(fn, alias)) {
      up = lambdaError('PreconditionFailedException', PRECONDITION, 412);
    }
    // moto accepts a version that does not exist; Lambda refuses it.
    for (const version of Object.keys(weights)) {
      if (up) break;
      const read = await this.moto(
        'GET',
        `/2015-03-31/functions/${encodeURIComponent(fn)}/configuration?Qualifier=${version}`,
      );
      if (!ok(read.status))
        up = lambdaError('ResourceNotFoundException', `Function not found: ${fn}:${version}`, 404);
    }
    up ??= await forward();
    const accepted = up.status >= 200 && up.status < 300;
    if (accepted) up = this.withAliasRevision(fn, alias, up, true);
    if (isRouter) {
      const unhealthy: Array<[string, number]> = [];
      for (const [v, share] of Object.entries(weights)) {
        if (share > 0 && !(await this.versionHealthy(fn, v))) unhealthy.push([v, share]);
      }
      const violation =
        accepted && unhealthy.length > 0
          ? `UpdateAlias of ${fn}:${alias} at ${new Date(at).toISOString()} gave ${unhealthy.map(([v, s]) => `${s}% to version ${v}, which was not healthy`).join('; ')}`
          : undefined;
      this.aliasWrites.push({
        at,
        functionName: fn,
        alias,
        weights,
        helpers,
        status: up.status,
        accepted,
        ...(violation ? { violation } : {}),
      });
      if (violation) this.violations.push(violation);
    }
    return up;
  }

  private async updateCode(
    fn: string,
    call: ApiCall,
    forward: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const p = call.params;
    if (this.updating.has(fn) && (this.updating.get(fn)?.until ?? 0) > Date.now()) {
      return lambdaError(
        'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn}`,
        409,
      );
    }
    if (typeof p.S3Bucket === 'string' && typeof p.S3Key === 'string') {
      const head = await fetch(
        `${this.motoOrigin}/${p.S3Bucket}/${p.S3Key.split('/').map(encodeURIComponent).join('/')}`,
        {
          method: 'HEAD',
          headers: { authorization: fakeAuth('s3') },
        },
      );
      // moto answers 200 with an empty CodeSha256 for a missing object; Lambda refuses.
      if (head.status !== 200) {
        return lambdaError(
          'InvalidParameterValueException',
          `Error occurred while GetObject. S3 Error Code: ${head.status === 404 ? 'NoSuchKey' : 'NoSuchBucket'}. S3 Error Message: The specified key does not exist.`,
          400,
        );
      }
    }
    const up = await forward();
    if (ok(up.status)) {
      const fail = this.nextUpdateFails.get(fn);
      this.nextUpdateFails.delete(fn);
      this.updating.set(fn, { until: Date.now() + this.updateWindowMs, ...(fail ? { fail } : {}) });
      this.functionRevisions.set(fn, randomUUID());
    }
    return this.withStatus(fn, up);
  }

  private async publish(
    fn: string,
    call: ApiCall,
    forward: () => Promise<UpstreamResponse>,
  ): Promise<UpstreamResponse> {
    const progress = this.updating.get(fn);
    if (progress && progress.until > Date.now()) {
      return lambdaError(
        'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: ${fn}`,
        409,
      );
    }
    const wanted = call.params.CodeSha256;
    if (typeof wanted === 'string') {
      const latest = await this.moto('GET', `/2015-03-31/functions/${encodeURIComponent(fn)}/configuration`);
      const actual = String(latest.json.CodeSha256 ?? '');
      if (ok(latest.status) && actual !== wanted) {
        return lambdaError(
          'InvalidParameterValueException',
          `CodeSHA256 (${wanted}) is different from current CodeSHA256 in $LATEST (${actual}). Please try again with the CodeSHA256 in $LATEST.`,
          400,
        );
      }
    }
    return this.withStatus(fn, await forward());
  }

  /** State, LastUpdateStatus and RevisionId where AWS reports them, with the scripted statuses. */
  private withStatus(fn: string, up: UpstreamResponse, qualifier?: string): UpstreamResponse {
    if (up.status < 200 || up.status >= 300 || !isPlainBody(up)) return up;
    const json = JSON.parse(up.body.toString('utf8')) as Record<string, unknown>;
    const config = (json.Configuration as Record<string, unknown> | undefined) ?? json;
    const version = String(config.Version ?? '$LATEST');
    config.State ??= 'Active';
    config.LastUpdateStatus ??= 'Successful';
    if (version === '$LATEST') {
      const progress = this.updating.get(fn);
      if (progress && progress.until > Date.now()) config.LastUpdateStatus = 'InProgress';
      else if (progress?.fail) {
        config.LastUpdateStatus = 'Failed';
        config.LastUpdateStatusReason = progress.fail;
        config.LastUpdateStatusReasonCode = 'InvalidImage';
      }
      let revision = this.functionRevisions.get(fn);
      if (!revision) {
        revision = randomUUID();
        this.functionRevisions.set(fn, revision);
      }
      config.RevisionId = revision;
    }
    const scripted = this.statuses.get(`${fn}:${version}`);
    if (scripted) {
      config.State = scripted.state;
      config.LastUpdateStatus = scripted.lastUpdateStatus ?? 'Successful';
      if (scripted.reason) config.StateReason = scripted.reason;
    }
    if (qualifier && this.sickAliases.has(`${fn}:${qualifier}`)) {
      config.State = 'Failed';
      config.StateReason = 'made unhealthy by the test';
    }
    return withBody(up, JSON.stringify(json));
  }

  private async moto(
    method: string,
    path: string,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.motoOrigin}${path}`, {
      method,
      headers: { authorization: fakeAuth('lambda') },
    });
    const text = await res.text();
    try {
      return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
    } catch {
      return { status: res.status, json: {} };
    }
  }
}

/** moto does not check signatures; the credential scope routes a request to the service. */
function fakeAuth(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/** moto answers some reads with 201. */
function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

function nameOf(ref: string): string {
  return parseFunctionRef(ref).name;
}

/** An UpdateAlias's shares in percent: the additional weights, and the rest to FunctionVersion. */
function sharesOf(p: Readonly<Record<string, unknown>>): Record<string, number> {
  const routing = p.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined;
  const extra = routing?.AdditionalVersionWeights ?? {};
  const shares: Record<string, number> = {};
  let rest = 100;
  for (const [version, weight] of Object.entries(extra)) {
    shares[version] = Math.round(weight * 100);
    rest -= shares[version];
  }
  if (typeof p.FunctionVersion === 'string') shares[p.FunctionVersion] = rest;
  return shares;
}
