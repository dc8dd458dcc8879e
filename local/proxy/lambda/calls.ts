import { type ApiCall, jsonBody } from '../api-calls';

/**
 * Lambda's REST operations, named as IAM and the SDK name them. The call log decodes only Invoke
 * by itself; the alias, version and code operations of the lambda-alias router are read here.
 */
const ROUTES: ReadonlyArray<{ method: string; path: RegExp; operation: string }> = [
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/, operation: 'GetAlias' },
  { method: 'PUT', path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/, operation: 'UpdateAlias' },
  {
    method: 'DELETE',
    path: /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/,
    operation: 'DeleteAlias',
  },
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/aliases$/, operation: 'CreateAlias' },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/aliases$/, operation: 'ListAliases' },
  {
    method: 'GET',
    path: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/,
    operation: 'GetFunctionConfiguration',
  },
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/versions$/, operation: 'PublishVersion' },
  {
    method: 'GET',
    path: /^\/2015-03-31\/functions\/([^/]+)\/versions$/,
    operation: 'ListVersionsByFunction',
  },
  { method: 'PUT', path: /^\/2015-03-31\/functions\/([^/]+)\/code$/, operation: 'UpdateFunctionCode' },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)$/, operation: 'GetFunction' },
  { method: 'POST', path: /^\/2015-03-31\/functions$/, operation: 'CreateFunction' },
];

/** The ApiCall of a Lambda REST request: its operation and its path, query and body parameters. */
export function lambdaCall(call: ApiCall, method: string, url: URL, body: Buffer): ApiCall {
  if (call.service !== 'lambda' || call.operation === 'Invoke') return call;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.path.exec(url.pathname);
    if (!match) continue;
    const params: Record<string, unknown> = { ...jsonBody(body) };
    if (match[1]) params.FunctionName = decodeURIComponent(match[1]);
    if (match[2]) params.Name = decodeURIComponent(match[2]);
    const qualifier = url.searchParams.get('Qualifier');
    if (qualifier) params.Qualifier = qualifier;
    return { ...call, operation: route.operation, params };
  }
  return call;
}
