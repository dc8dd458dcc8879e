/**
 * The code each sandbox's worker thread runs: the part of the Lambda Node.js runtime a handler can
 * observe (module loading, the context object, console format, callback/async handlers, error
 * serialization). It is loaded as source text (see worker-code.ts), so it may import only Node's
 * built-in modules; `import type` is erased and free.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { InvokeMessage, LambdaErrorPayload, WorkerData, WorkerMessage } from './protocol';

type Handler = (event: unknown, context: Record<string, unknown>, callback: Callback) => unknown;
type Callback = (err?: unknown, result?: unknown) => void;

if (!parentPort) throw new Error('the Lambda worker must run in a worker thread');
const port = parentPort;
const data = workerData as WorkerData;

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

let current: { requestId: string } | null = null;
function write(level: string, args: unknown[]): void {
  const id = current ? current.requestId : 'undefined';
  process.stdout.write(`${new Date().toISOString()}\t${id}\t${level}\t${format(...args)}\n`);
}
console.log = (...a: unknown[]) => write('INFO', a);
console.info = (...a: unknown[]) => write('INFO', a);
console.warn = (...a: unknown[]) => write('WARN', a);
console.error = (...a: unknown[]) => write('ERROR', a);
console.debug = (...a: unknown[]) => write('DEBUG', a);
console.trace = (...a: unknown[]) => write('TRACE', a);

const clock = data.clock;
const toVirtual = (realMs: number): number =>
  clock ? clock.epoch + (realMs - clock.epoch) * clock.rate : realMs;
if (clock) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(toVirtual(realNow()));
      else super(...(args as [string | number | Date]));
    }
    static now(): number {
      return toVirtual(realNow());
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;
  const scaled = (ms: unknown): number => Math.max(0, Number(ms) || 0) / clock.rate;
  type Timer = (fn: () => void, ms: number, ...rest: unknown[]) => unknown;
  const realSetTimeout = globalThis.setTimeout as unknown as Timer;
  const realSetInterval = globalThis.setInterval as unknown as Timer;
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) =>
    realSetTimeout(fn, scaled(ms), ...rest)) as unknown as typeof setTimeout;
  globalThis.setInterval = ((fn: () => void, ms?: number, ...rest: unknown[]) =>
    realSetInterval(fn, scaled(ms), ...rest)) as unknown as typeof setInterval;
}

if (data.hideNodeVersionWarning) {
  const emit = process.emitWarning as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const text =
      typeof warning === 'string' ? warning : ((warning as { message?: unknown } | null)?.message ?? '');
    if (String(text).startsWith('NodeVersionSupportWarning')) return;
    emit.call(process, warning, ...rest);
  }) as typeof process.emitWarning;
}

function toErrorPayload(err: unknown): LambdaErrorPayload {
  try {
    const e = err as { name?: unknown; message?: unknown; stack?: unknown } | null;
    if (err instanceof Error || (e && typeof e === 'object' && typeof e.message === 'string')) {
      return {
        errorType: String(e?.name),
        errorMessage: String(e?.message),
        trace: typeof e?.stack === 'string' ? e.stack.split('\n') : [],
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function named(type: string, message: string): Error {
  const e = new Error(message);
  e.name = type;
  return e;
}

async function loadHandler(): Promise<Handler> {
  const spec = data.handler;
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot < 0) throw named('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  const moduleName = spec.slice(0, dot);
  const exportPath = spec.slice(dot + 1).split('.');
  const base = resolve(data.taskRoot, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw named(
      'Runtime.ImportModuleError',
      `Error: Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs`,
    );
  }
  let mod: unknown;
  try {
    if (file.endsWith('.mjs')) {
      mod = await import(pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if ((e as { code?: unknown } | null)?.code !== 'ERR_REQUIRE_ESM') throw e;
        mod = await import(pathToFileURL(file).href);
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw named('Runtime.UserCodeSyntaxError', String(e));
    throw e;
  }
  let handler: unknown = mod;
  for (const key of exportPath) {
    handler =
      handler === null || handler === undefined ? undefined : (handler as Record<string, unknown>)[key];
  }
  if (typeof handler !== 'function') {
    throw named(
      'Runtime.HandlerNotFound',
      `${moduleName}.${exportPath.join('.')} is undefined or not exported`,
    );
  }
  return handler as Handler;
}

function runHandler(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolveResult, reject) => {
    let settled = false;
    const callback: Callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolveResult(result);
    };
    context.done = callback;
    context.succeed = (result: unknown) => callback(null, result);
    context.fail = (err: unknown) => callback(err === undefined || err === null ? 'handled' : err);
    let returned: unknown;
    try {
      returned = handler(event, context, callback);
    } catch (e) {
      callback(e);
      return;
    }
    const thenable = returned as { then?: unknown } | null | undefined;
    if (thenable && typeof thenable.then === 'function') {
      (returned as Promise<unknown>).then(
        (r) => callback(null, r),
        (e: unknown) => callback(e),
      );
    } else if (handler.length < 3) callback(null, returned);
  });
}

process.on('unhandledRejection', (reason: unknown) => {
  const p = toErrorPayload(reason);
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  post({
    type: 'fatal',
    error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: message, trace: p.trace },
  });
  process.exit(128);
});
process.on('uncaughtException', (err: unknown) => {
  post({ type: 'fatal', error: toErrorPayload(err) });
  process.exit(129);
});

let handler: Handler | undefined;
const initStart = Date.now();
loadHandler().then(
  (h) => {
    handler = h;
    post({ type: 'ready', moduleInitMs: Date.now() - initStart });
  },
  (e: unknown) => post({ type: 'initError', error: toErrorPayload(e) }),
);

port.on('message', (msg: InvokeMessage | null) => {
  if (msg?.type !== 'invoke') return;
  current = { requestId: msg.context.awsRequestId ?? '' };
  const deadline = toVirtual(msg.deadline);
  const context: Record<string, unknown> = {
    ...msg.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const respond = (m: WorkerMessage) => {
    current = null;
    post(m);
  };
  // Invokes wait for `ready`; were one to come early, the TypeError becomes its error answer.
  runHandler(handler as Handler, JSON.parse(msg.event), context).then(
    (result) => {
      let payload: string | undefined;
      try {
        payload = JSON.stringify(result === undefined ? null : result);
      } catch (e) {
        respond({ type: 'error', id: msg.id, error: toErrorPayload(e) });
        return;
      }
      respond({ type: 'result', id: msg.id, payload: payload === undefined ? 'null' : payload });
    },
    (err: unknown) => respond({ type: 'error', id: msg.id, error: toErrorPayload(err) }),
  );
});
