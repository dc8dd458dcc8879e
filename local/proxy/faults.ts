import type * as http from 'node:http';
import type { ApiCall } from './api-calls';
import { ELBV2_NAMESPACE } from './elbv2/actions';
import { jsonError, type UpstreamResponse } from './http';
import { queryError } from './query-xml';

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

/** The faults in force, each with the number of requests it has left to fail. */
export class Faults {
  private readonly faults = new Map<Fault, { left: number }>();

  /** Makes matching requests fail until the returned function is called (or `times` ran out). */
  inject(fault: Fault): () => void {
    this.faults.set(fault, { left: fault.times ?? Number.POSITIVE_INFINITY });
    return () => this.faults.delete(fault);
  }

  /** The fault that answers this call, counted as used; undefined when none matches. */
  take(call: ApiCall): Fault | undefined {
    for (const [fault, count] of this.faults) {
      if (fault.service !== call.service || fault.operation !== call.operation) continue;
      if (fault.caller !== undefined && fault.caller !== call.caller) continue;
      count.left -= 1;
      if (count.left <= 0) this.faults.delete(fault);
      return fault;
    }
    return undefined;
  }
}

/** The error as the request's protocol carries it: JSON with `__type`, or Query's XML. */
export function faultResponse(fault: Fault, req: http.IncomingMessage): UpstreamResponse {
  const message = fault.message ?? `injected ${fault.code}`;
  const status = fault.status ?? 400;
  if (req.headers['x-amz-target'] || fault.service === 'lambda')
    return jsonError(fault.code, message, status);
  return queryError(ELBV2_NAMESPACE, fault.code, message, status);
}
