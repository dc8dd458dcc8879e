import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { COLORS, type Color } from '../../lambdas/shared/contract';
import type { RouterView, SideHealth } from '../../lambdas/shared/routers';
import { aligned, type Output } from '../output';
import type { Service } from '../service';

export interface AlarmStatus {
  readonly name: string;
  /** `MISSING` when the alarm does not exist (the workflow refuses to start with AlarmNotFound). */
  readonly state: string;
  readonly reason?: string;
}

export interface LeaseStatus {
  readonly holder: string;
  readonly action: string;
  readonly version?: string;
  readonly phase: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
  readonly expired: boolean;
}

export interface Status {
  readonly service: string;
  readonly stateMachineArn: string;
  readonly router: { readonly type: string; readonly name: string };
  readonly live: Color | null;
  readonly idle: Color | null;
  readonly weights: Readonly<Record<Color, number | null>> | null;
  /** Why the router could not be read into roles (RouterStateUnknown and its message). */
  readonly routerProblem?: string;
  readonly health: Record<Color, (SideHealth & { error?: undefined }) | { error: string }>;
  readonly alarms: AlarmStatus[];
  readonly lease: LeaseStatus | null;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Live side, weights, both sides' health, alarms and the lease holder, read as the workflow reads them. */
export async function readStatus(service: Service): Promise<Status> {
  const router = service.router();
  const health = (c: Color) => router.sideHealth(c).catch((e: unknown) => ({ error: message(e) }));
  const [view, blue, green, alarms, lease] = await Promise.all([
    router.read().then(
      (v): RouterView | string => v,
      (e: unknown) => message(e),
    ),
    health('blue'),
    health('green'),
    readAlarms(service),
    service.leases().read(),
  ]);
  const nowSeconds = Date.now() / 1000;
  return {
    service: service.name,
    stateMachineArn: service.stateMachineArn,
    router: { type: service.config.traffic.type, name: router.name },
    live: typeof view === 'string' ? null : view.live,
    idle: typeof view === 'string' ? null : view.idle,
    weights: typeof view === 'string' ? null : view.weights,
    ...(typeof view === 'string' ? { routerProblem: view } : {}),
    health: { blue, green } as Status['health'],
    alarms,
    lease: lease
      ? {
          holder: lease.owner,
          action: lease.action,
          ...(lease.version ? { version: lease.version } : {}),
          phase: lease.phase,
          acquiredAt: lease.acquiredAt,
          expiresAt: new Date(lease.expiresAt * 1000).toISOString(),
          expired: lease.expiresAt < nowSeconds,
        }
      : null,
  };
}

async function readAlarms(service: Service): Promise<AlarmStatus[]> {
  const names = service.config.alarms;
  const found = new Map<string, AlarmStatus>();
  for (let i = 0; i < names.length; i += 100) {
    let nextToken: string | undefined;
    do {
      const out = await service.clients.cloudWatch.send(
        new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), NextToken: nextToken }),
      );
      for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
        if (!a.AlarmName) continue;
        found.set(a.AlarmName, {
          name: a.AlarmName,
          state: a.StateValue ?? 'INSUFFICIENT_DATA',
          ...(a.StateReason ? { reason: a.StateReason } : {}),
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
  }
  return names.map((name) => found.get(name) ?? { name, state: 'MISSING' });
}

function weightText(weights: Readonly<Record<Color, number | null>>): string {
  return COLORS.map((c) => `${c} ${weights[c] ?? '-'}`).join(', ');
}

export function printStatus(s: Status, out: Output): void {
  const health = (c: Color): string => {
    const h = s.health[c];
    if ('error' in h && h.error !== undefined) return `unknown (${h.error})`;
    const ok = h as SideHealth;
    return `${ok.healthy ? 'healthy' : 'NOT healthy'}: ${ok.summary}`;
  };
  const lease = s.lease
    ? `held by ${s.lease.holder.split(':').pop()} (${s.lease.action}${s.lease.version ? ` ${s.lease.version}` : ''}, ${s.lease.phase}, since ${s.lease.acquiredAt}${s.lease.expired ? ', EXPIRED' : ''})`
    : 'free';
  out.line(`${s.service}  ${s.stateMachineArn}`);
  for (const row of aligned([
    ['router', `${s.router.type}: ${s.router.name}`],
    [
      'live',
      s.live ? `${s.live} (${s.weights ? weightText(s.weights) : ''})` : `unknown: ${s.routerProblem}`,
    ],
    ['blue', health('blue')],
    ['green', health('green')],
    [
      'alarms',
      s.alarms.length === 0 ? '(none configured)' : s.alarms.map((a) => `${a.name} ${a.state}`).join(', '),
    ],
    ['lease', lease],
  ]))
    out.line(row);
}
