import type * as http from 'node:http';

/**
 * One AWS API request as it crossed the wire, decoded far enough to say who asked for what: the
 * operation, its parameters, and the caller's app id from the SDK's user agent (`app/<id>`).
 */
export interface ApiCall {
  /** Date.now() when the request arrived. */
  readonly at: number;
  /** The SigV4 signing name (`elasticloadbalancing`, `dynamodb`, `monitoring`, `events`, `lambda`...). */
  readonly service: string;
  readonly region: string;
  /** The operation name (`ModifyListener`, `GetItem`, `Invoke`...). */
  readonly operation: string;
  /** The app id the SDK put in its user agent (`AWS_SDK_UA_APP_ID`), if any. */
  readonly caller?: string;
  /** Query parameters (Query protocol), the JSON body (JSON protocols) or path parameters (REST). */
  readonly params: Readonly<Record<string, unknown>>;
}

export function credentialScope(req: http.IncomingMessage): { region: string; service: string } | undefined {
  const auth = req.headers.authorization ?? '';
  let credential = /Credential=([^,\s]+)/.exec(auth)?.[1];
  if (!credential && req.url?.includes('X-Amz-Credential')) {
    credential = new URL(req.url, 'http://proxy').searchParams.get('X-Amz-Credential') ?? undefined;
  }
  const parts = credential?.split('/');
  if (!parts || parts.length < 5) return undefined;
  return { region: parts[2] ?? '', service: parts[3] ?? '' };
}

const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Decodes a request into an ApiCall; undefined for requests that are not signed AWS API calls. */
export function describeCall(req: http.IncomingMessage, body: Buffer, at = Date.now()): ApiCall | undefined {
  const scope = credentialScope(req);
  if (!scope) return undefined;
  const url = new URL(req.url ?? '/', 'http://proxy');
  const userAgent = `${header(req, 'x-amz-user-agent')} ${header(req, 'user-agent')}`;
  // Powertools appends its own tag to the app id (`<id>/PT/<feature>/...`, sent as `<id>-PT-...`).
  const caller = /(?:^|\s)app\/(\S+?)(?:-PT-\S*)?(?:\s|$)/.exec(userAgent)?.[1];
  const base = { at, service: scope.service, region: scope.region, ...(caller ? { caller } : {}) };

  const target = header(req, 'x-amz-target');
  if (target) {
    return { ...base, operation: target.slice(target.lastIndexOf('.') + 1), params: jsonBody(body) };
  }
  const contentType = header(req, 'content-type');
  if (contentType.startsWith('application/x-www-form-urlencoded') || url.searchParams.has('Action')) {
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
    return { ...base, operation: params.Action ?? '', params };
  }
  const invoke = LAMBDA_INVOKE_PATH.exec(url.pathname);
  if (scope.service === 'lambda' && invoke && req.method === 'POST') {
    const qualifier = url.searchParams.get('Qualifier');
    return {
      ...base,
      operation: 'Invoke',
      params: {
        FunctionName: decodeURIComponent(invoke[1] ?? ''),
        ...(qualifier ? { Qualifier: qualifier } : {}),
      },
    };
  }
  // Other REST operations are named by method and path; nothing in this project sends them.
  return { ...base, operation: `${req.method ?? 'GET'} ${url.pathname}`, params: {} };
}

function header(req: http.IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

/** A JSON request body as an object; anything else (empty, not JSON, not an object) as `{}`. */
export function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
