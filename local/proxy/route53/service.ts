import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { XMLBuilder } from 'fast-xml-parser';
import { FAKE_CREDENTIALS, REGION } from '../../common/account';
import type { Upstream, UpstreamResponse } from '../http';
import { queryError } from '../query-xml';
import { route53Request } from './calls';
import {
  applyBatch,
  canonical,
  comparable,
  parseChangeBatch,
  type RecordChange,
  ROUTE53_NAMESPACE,
} from './records';

/**
 * The Route 53 API made honest where moto is kinder than AWS (measured, moto 5.2):
 * - a change batch is validated whole against the zone as it is and applied all or nothing: a
 *   DELETE must match a record exactly (weight, TTL, values, set identifier...), a CREATE of a record
 *   that exists is refused, and a refused batch (400 InvalidChangeBatch) changes nothing;
 * - moto's DELETE removes every record of the zone with that set identifier, across names: the
 *   proxy puts back what the batch did not name;
 * - moto refuses a CREATE identical to an earlier change of the zone while any record of that name
 *   and type exists (so the third write of the same weights fails): a judged batch reaches moto as
 *   UPSERTs;
 * - a change is PENDING for `insyncMs`, then INSYNC, under its own id in AWS's `/change/ID` form;
 * - GetHealthCheckStatus answers what a test scripted for the health check.
 * Record writes of watched records are recorded with each side's health at the write, and a write
 * that gives weight to a side that was not healthy is a violation.
 */

export type Side = 'blue' | 'green';

/** A side of a watched pair of weighted records: its set identifier and its health source. */
export interface WatchedSide {
  readonly setIdentifier: string;
  /** The side's health as the truth stands now, with what was found. */
  health(): Promise<{ readonly healthy: boolean; readonly detail: string }>;
}

export interface WatchedRecords {
  readonly hostedZoneId: string;
  readonly name: string;
  readonly type: string;
  readonly sides: Readonly<Record<Side, WatchedSide>>;
}

export interface RecordWrite {
  /** Date.now() when the batch reached the proxy. */
  readonly at: number;
  readonly hostedZoneId: string;
  /** "records api.example.com CNAME". */
  readonly router: string;
  /** Each side's weight as the batch creates it (null: the batch does not create the side's record). */
  readonly weights: Record<Side, number | null>;
  readonly status: number;
  readonly accepted: boolean;
  /** Why the batch was refused. */
  readonly refusal?: string;
  readonly violation?: string;
}

export type HealthCheckScript = 'healthy' | 'unhealthy';

const CHECKERS = [
  { region: 'us-east-1', ip: '54.243.31.192' },
  { region: 'eu-west-1', ip: '176.34.159.192' },
  { region: 'ap-southeast-1', ip: '54.255.254.192' },
];

const builder = new XMLBuilder({ ignoreAttributes: false, suppressEmptyNode: true });

function xmlResponse(doc: Record<string, unknown>): UpstreamResponse {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc) as string}`, 'utf8');
  return {
    status: 200,
    headers: {
      'content-type': 'text/xml',
      'content-length': String(body.length),
      'x-amzn-requestid': randomBytes(8).toString('hex'),
    },
    body,
  };
}

function bareZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, '');
}

/** AWS's change ids: C followed by upper-case letters and digits. */
function newChangeId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `C${[...randomBytes(13)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Alias records come back from moto with TTL 0, which it would also store again: write them without. */
function writable(set: ResourceRecordSet): ResourceRecordSet {
  if (!set.AliasTarget) return set;
  const { TTL: _none, ...rest } = set;
  return rest;
}

export class Route53Honesty {
  readonly writes: RecordWrite[] = [];
  readonly violations: string[] = [];
  private readonly watched: WatchedRecords[] = [];
  private readonly changes = new Map<string, { readonly submittedAt: number; readonly comment?: string }>();
  private readonly healthChecks = new Map<string, HealthCheckScript>();
  private readonly beforeChange: Array<() => Promise<void>> = [];
  private readonly moto: Route53Client;
  /** Record reads and changes one at a time, so nobody reads the zone while a batch is being applied. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly upstream: Upstream,
    private insyncMs = 1000,
  ) {
    this.moto = new Route53Client({
      endpoint: upstream.origin,
      region: REGION,
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 1,
    });
  }

  /** Records the writes of this pair of weighted records, with each side's health at the write. */
  watch(records: WatchedRecords): void {
    this.watched.push(records);
  }

  setInsyncMs(ms: number): void {
    this.insyncMs = ms;
  }

  /** Makes GetHealthCheckStatus of `id` answer every checker healthy, or every checker failing. */
  setHealthCheck(id: string, script: HealthCheckScript): void {
    this.healthChecks.set(id, script);
  }

  clearHealthChecks(): void {
    this.healthChecks.clear();
  }

  /** Scripted health of a health check (healthy when nothing is scripted: moto's answer). */
  healthCheckScript(id: string): HealthCheckScript {
    return this.healthChecks.get(id) ?? 'healthy';
  }

  /**
   * Runs `edit` once, when the next change batch arrives and before it is judged: someone else's
   * write landing between the router's read and its batch. `edit` talks to moto directly.
   */
  onceBeforeNextChange(edit: () => Promise<void>): void {
    this.beforeChange.push(edit);
  }

  async handle(req: http.IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
    const request = route53Request(req);
    switch (request?.operation) {
      case 'ChangeResourceRecordSets':
        return this.serialized(() => this.change(req, body, bareZoneId(request.id)));
      case 'ListResourceRecordSets':
        return this.serialized(() => this.upstream.forward(req, body));
      case 'GetChange':
        return this.getChange(req, body, request.id);
      case 'GetHealthCheckStatus':
        return this.healthCheckStatus(req, body, request.id);
      default:
        return this.upstream.forward(req, body);
    }
  }

  close(): void {
    this.moto.destroy();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async change(req: http.IncomingMessage, body: Buffer, zoneId: string): Promise<UpstreamResponse> {
    const at = Date.now();
    for (const edit of this.beforeChange.splice(0)) await edit();
    const text = body.toString('utf8');
    const changes = parseChangeBatch(text);
    const comment = /<Comment>([^<]*)<\/Comment>/.exec(text)?.[1];
    let current: ResourceRecordSet[];
    try {
      current = await this.listAll(zoneId);
    } catch {
      // moto's own answer (NoSuchHostedZone) is AWS's.
      return this.upstream.forward(req, body);
    }
    const verdict = applyBatch(current, changes);
    const observed = await this.observe(zoneId, changes);
    if (!verdict.ok) {
      const up = queryError(ROUTE53_NAMESPACE, 'InvalidChangeBatch', `[${verdict.message}]`);
      this.record(at, zoneId, observed, up.status, verdict.message);
      return up;
    }
    // moto refuses a CREATE identical to one in the zone's history while any record of the name and
    // type exists; the batch was judged above, so it goes to moto as UPSERTs, which moto applies.
    const up = await this.upstream.forward(
      req,
      Buffer.from(text.replace(/<Action>CREATE<\/Action>/g, '<Action>UPSERT</Action>'), 'utf8'),
    );
    const accepted = up.status >= 200 && up.status < 300;
    // moto may have applied part of the batch before refusing, or deleted more than it named.
    await this.reconcile(zoneId, accepted ? verdict.after : current);
    if (!accepted) {
      this.record(at, zoneId, observed, up.status, 'moto refused the batch');
      return up;
    }
    this.record(at, zoneId, observed, 200);
    const id = newChangeId();
    this.changes.set(id, { submittedAt: at, ...(comment ? { comment } : {}) });
    return this.changeInfo('ChangeResourceRecordSetsResponse', id);
  }

  private changeInfo(root: string, id: string): UpstreamResponse {
    const change = this.changes.get(id);
    const submittedAt = change?.submittedAt ?? Date.now();
    const status = Date.now() < submittedAt + this.insyncMs ? 'PENDING' : 'INSYNC';
    return xmlResponse({
      [root]: {
        '@_xmlns': ROUTE53_NAMESPACE,
        ChangeInfo: {
          Id: `/change/${id}`,
          Status: status,
          SubmittedAt: new Date(submittedAt).toISOString(),
          ...(change?.comment ? { Comment: change.comment } : {}),
        },
      },
    });
  }

  private async getChange(req: http.IncomingMessage, body: Buffer, id: string): Promise<UpstreamResponse> {
    const bare = id.replace(/^\/?change\//, '');
    if (!this.changes.has(bare)) return this.upstream.forward(req, body);
    return this.changeInfo('GetChangeResponse', bare);
  }

  private async healthCheckStatus(
    req: http.IncomingMessage,
    body: Buffer,
    id: string,
  ): Promise<UpstreamResponse> {
    const up = await this.upstream.forward(req, body);
    const script = this.healthChecks.get(id);
    if (up.status !== 200 || !script) return up;
    const now = new Date().toISOString();
    return xmlResponse({
      GetHealthCheckStatusResponse: {
        '@_xmlns': ROUTE53_NAMESPACE,
        HealthCheckObservations: {
          HealthCheckObservation: CHECKERS.map((c) => ({
            Region: c.region,
            IPAddress: c.ip,
            StatusReport: {
              Status:
                script === 'healthy'
                  ? 'Success: HTTP Status Code 200, OK'
                  : 'Failure: HTTP Status Code 503, Service Unavailable. Resolved IP: 10.0.0.1',
              CheckedTime: now,
            },
          })),
        },
      },
    });
  }

  private async listAll(zoneId: string): Promise<ResourceRecordSet[]> {
    // moto answers the whole zone in one page (it never pages by record identifier).
    const out = await this.moto.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 300 }),
    );
    return out.ResourceRecordSets ?? [];
  }

  /** Brings moto's zone to `expected`, whatever moto did with the batch. */
  private async reconcile(zoneId: string, expected: readonly ResourceRecordSet[]): Promise<void> {
    const wanted = new Set(expected.map(canonical));
    for (let round = 0; round < 4; round++) {
      const actual = await this.listAll(zoneId);
      const have = new Set(actual.map(canonical));
      const extra = actual.filter((s) => !wanted.has(canonical(s)));
      const missing = expected.filter((s) => !have.has(canonical(s)));
      if (extra.length === 0 && missing.length === 0) return;
      for (const set of extra) await this.motoChange(zoneId, 'DELETE', set);
      for (const set of missing) await this.motoChange(zoneId, 'CREATE', set);
    }
    throw new Error(
      `honest-aws proxy: could not bring moto's hosted zone ${zoneId} to the state of the batch`,
    );
  }

  private async motoChange(
    zoneId: string,
    action: 'CREATE' | 'DELETE',
    set: ResourceRecordSet,
  ): Promise<void> {
    await this.moto.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: writable(set) }] },
      }),
    );
  }

  /** The watched records a batch creates, by side, with the health of each side given weight. */
  private async observe(zoneId: string, changes: readonly RecordChange[]): Promise<Observed[]> {
    const observed: Observed[] = [];
    for (const w of this.watched) {
      if (bareZoneId(w.hostedZoneId) !== zoneId) continue;
      const creates = changes.filter(
        (c) =>
          c.action !== 'DELETE' && comparable(c.set.Name) === comparable(w.name) && c.set.Type === w.type,
      );
      if (creates.length === 0) continue;
      const weights: Record<Side, number | null> = { blue: null, green: null };
      const problems: string[] = [];
      for (const side of ['blue', 'green'] as const) {
        const set = creates.find((c) => c.set.SetIdentifier === w.sides[side].setIdentifier)?.set;
        if (!set) continue;
        weights[side] = set.Weight ?? null;
        if ((set.Weight ?? 0) > 0) {
          const health = await w.sides[side].health();
          if (!health.healthy) problems.push(`weight ${set.Weight} to ${side} while ${health.detail}`);
        }
      }
      observed.push({ router: `records ${comparable(w.name)} ${w.type}`, weights, problems });
    }
    return observed;
  }

  private record(
    at: number,
    zoneId: string,
    observed: readonly Observed[],
    status: number,
    refusal?: string,
  ): void {
    const accepted = status >= 200 && status < 300;
    for (const o of observed) {
      const violation =
        accepted && o.problems.length > 0
          ? `ChangeResourceRecordSets of ${o.router} at ${new Date(at).toISOString()} gave ${o.problems.join('; ')}`
          : undefined;
      this.writes.push({
        at,
        hostedZoneId: zoneId,
        router: o.router,
        weights: o.weights,
        status,
        accepted,
        ...(refusal ? { refusal } : {}),
        ...(violation ? { violation } : {}),
      });
      if (violation) this.violations.push(violation);
    }
  }
}

interface Observed {
  readonly router: string;
  readonly weights: Record<Side, number | null>;
  readonly problems: string[];
}
