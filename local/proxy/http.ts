import { randomUUID } from 'node:crypto';
import * as http from 'node:http';

/** A response as the proxy holds it before sending: moto's, or one the proxy made. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: http.OutgoingHttpHeaders;
  readonly body: Buffer;
}

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

/** Sends requests on to moto unchanged, over kept-alive connections. */
export class Upstream {
  private readonly url: URL;
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(endpoint: string) {
    this.url = new URL(endpoint);
  }

  get origin(): string {
    return this.url.origin;
  }

  /** The same request, aimed at moto. */
  forward(req: http.IncomingMessage, body: Buffer): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const headers = withoutHopByHop(req.headers);
      if (headers['transfer-encoding'] === undefined) headers['content-length'] = String(body.length);
      const options: http.RequestOptions = {
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        port: this.url.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      };
      const upstream = http.request(options, (up) => {
        readBody(up).then(
          (data) =>
            resolve({ status: up.statusCode ?? 502, headers: withoutHopByHop(up.headers), body: data }),
          reject,
        );
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}

export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** Whether the body can be read as text (not compressed). */
export function isPlainBody(up: UpstreamResponse): boolean {
  const encoding = up.headers['content-encoding'];
  return encoding === undefined || encoding === 'identity';
}

export function withBody(up: UpstreamResponse, text: string): UpstreamResponse {
  const body = Buffer.from(text, 'utf8');
  const headers: http.OutgoingHttpHeaders = { ...up.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  return { status: up.status, headers, body };
}

const lostAnswers = new WeakSet<http.ServerResponse>();

/** Makes `send` drop this response's connection instead of answering (an injected lost answer). */
export function loseAnswer(res: http.ServerResponse): void {
  lostAnswers.add(res);
}

export function send(res: http.ServerResponse, up: UpstreamResponse): void {
  if (lostAnswers.has(res)) {
    res.socket?.destroy();
    return;
  }
  res.writeHead(up.status, up.headers);
  res.end(up.body);
}

/** JSON protocols' error shape (`__type`), as DynamoDB, CloudWatch's JSON protocol and Lambda answer. */
export function jsonError(code: string, message: string, status: number): UpstreamResponse {
  const body = Buffer.from(JSON.stringify({ __type: code, message }), 'utf8');
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-errortype': code,
      'x-amzn-requestid': randomUUID(),
      'content-length': String(body.length),
    },
    body,
  };
}
