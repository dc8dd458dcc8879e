import type * as http from 'node:http';
import type { ApiCall } from './api-calls';
import { ELBV2_NAMESPACE } from './elbv2/actions';
import { jsonError, type UpstreamResponse } from './http';
import { queryError } from './query-xml';

/** Which requests a fault takes, and for how long. */
interface FaultMatch {
  /** SigV4 signing name: `elasticloadbalancing`, `dynamodb`, `monitoring`, `events`, `lambda`. */
  readonly service: string;
  /** The operation; default: every operation of the service. */
  readonly operation?: string;
  /** Only requests from this caller (the user agent's app id); default: anyone. */
  readonly caller?: string;
  /** How many requests it takes; default: until removed. */
  readonly times?: number;
  /**
   * How long the fault lasts from the first request it took. Meanwhile it takes every request to
   * the service and operation from any caller: an endpoint that is down is down for everyone.
   */
  readonly forMs?: number;
}

/**
 * An AWS error the proxy answers instead of forwarding a matching request to moto (`refuse`, the
 * default); or the request takes effect in moto and its answer is lost on the way back, as when the
 * caller crashes after the write or the connection drops (`answer-lost`); or the endpoint does not
 * answer at all: the connection is reset before anything reaches moto (`unreachable`).
 */
export type Fault =
  | RefusalFault
  | (FaultMatch & { readonly effect: 'answer-lost' })
  | (FaultMatch & { readonly effect: 'unreachable' });

export interface RefusalFault extends FaultMatch {
  readonly effect?: 'refuse';
  /** AWS's error code, e.g. `AccessDeniedException`. */
  readonly code: string;
  readonly message?: string;
  /** HTTP status; default 400. */
  readonly status?: number;
}

/** The faults in force, each with the number of requests it has left and the end of its window. */
export class Faults {
  private readonly faults = new Map<Fault, { left: number; until?: number }>();

  /** Makes matching requests fail until the returned function is called (or `times` ran out). */
  inject(fault: Fault): () => void {
    this.faults.set(fault, { left: fault.times ?? Number.POSITIVE_INFINITY });
    return () => this.faults.delete(fault);
  }

  /** The fault that answers this call, counted as used; undefined when none matches. */
  take(call: ApiCall): Fault | undefined {
    for (const [fault, count] of this.faults) {
      if (count.until !== undefined && call.at >= count.until) {
        this.faults.delete(fault);
        continue;
      }
      if (fault.service !== call.service) continue;
      if (fault.operation !== undefined && fault.operation !== call.operation) continue;
      const inWindow = count.until !== undefined;
      if (!inWindow && fault.caller !== undefined && fault.caller !== call.caller) continue;
      if (!inWindow && fault.forMs !== undefined) count.until = call.at + fault.forMs;
      count.left -= 1;
      if (count.left <= 0) this.faults.delete(fault);
      return fault;
    }
    return undefined;
  }
}

/** The error as the request's protocol carries it: JSON with `__type`, or Query's XML. */
export function faultResponse(fault: RefusalFault, req: http.IncomingMessage): UpstreamResponse {
  const message = fault.message ?? `injected ${fault.code}`;
  const status = fault.status ?? 400;
  if (req.headers['x-amz-target'] || fault.service === 'lambda')
    return jsonError(fault.code, message, status);
  return queryError(ELBV2_NAMESPACE, fault.code, message, status);
}
