import type * as http from 'node:http';
import type { ApiCall } from '../api-calls';
import { parseChangeBatch } from './records';

/**
 * Route 53 speaks REST-XML: the operation is in the method and path. The few the product sends are
 * named here, with the parameters IAM authorizes on (the zone, the change, the health check, and
 * each change's action, name and type).
 */

export type Route53Operation =
  | 'ChangeResourceRecordSets'
  | 'ListResourceRecordSets'
  | 'GetChange'
  | 'GetHealthCheckStatus';

export interface Route53Request {
  readonly operation: Route53Operation;
  /** Hosted zone, change or health check id, as in the path. */
  readonly id: string;
}

const API = '/2013-04-01';

export function route53Request(req: http.IncomingMessage): Route53Request | undefined {
  const path = new URL(req.url ?? '/', 'http://proxy').pathname.replace(/\/$/, '');
  const method = req.method ?? 'GET';
  const rrset = new RegExp(`^${API}/hostedzone/([^/]+)/rrset$`).exec(path);
  if (rrset) {
    const id = decodeURIComponent(rrset[1] ?? '');
    if (method === 'POST') return { operation: 'ChangeResourceRecordSets', id };
    if (method === 'GET') return { operation: 'ListResourceRecordSets', id };
  }
  const change = new RegExp(`^${API}/change/([^/]+)$`).exec(path);
  if (change && method === 'GET') return { operation: 'GetChange', id: decodeURIComponent(change[1] ?? '') };
  const status = new RegExp(`^${API}/healthcheck/([^/]+)/status$`).exec(path);
  if (status && method === 'GET') {
    return { operation: 'GetHealthCheckStatus', id: decodeURIComponent(status[1] ?? '') };
  }
  return undefined;
}

/** The call with its Route 53 operation and parameters; any other call unchanged. */
export function withRoute53Operation(
  call: ApiCall | undefined,
  req: http.IncomingMessage,
  body: Buffer,
): ApiCall | undefined {
  if (call?.service !== 'route53') return call;
  const request = route53Request(req);
  if (!request) return call;
  switch (request.operation) {
    case 'ChangeResourceRecordSets':
      return {
        ...call,
        operation: request.operation,
        params: {
          HostedZoneId: request.id,
          Changes: parseChangeBatch(body.toString('utf8')).map((c) => ({
            Action: c.action,
            Name: c.set.Name ?? '',
            Type: c.set.Type ?? '',
          })),
        },
      };
    case 'ListResourceRecordSets':
      return { ...call, operation: request.operation, params: { HostedZoneId: request.id } };
    case 'GetChange':
      return { ...call, operation: request.operation, params: { Id: request.id } };
    case 'GetHealthCheckStatus':
      return { ...call, operation: request.operation, params: { HealthCheckId: request.id } };
  }
}
