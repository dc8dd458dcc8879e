import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { ensureMoto, PROJECT_DIR } from './install';

export interface StartMotoOptions {
  readonly projectDir?: string;
  /** How long the server may take to answer; default 30 s. */
  readonly timeoutMs?: number;
  /**
   * Extra environment for the server. By default moto's catalogue of AMIs is not loaded
   * (`MOTO_EC2_LOAD_DEFAULT_AMIS=false`); pass `'true'` to get it.
   */
  readonly env?: Record<string, string>;
}

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

// Makes the server exit when its stdin closes, i.e. when the Node process that started it dies for
// any reason (also SIGKILL from a test runner), so no orphaned servers keep ports.
const WATCHDOG_SCRIPT = `
import os, sys, threading
def _watch():
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except Exception:
        pass
    os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
from moto.server import main
main(sys.argv[1:])
`;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Starts a moto server on a free port of 127.0.0.1 and waits until it answers. Every call starts its
 * own server (own state), so parallel test files do not share anything.
 */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoServer> {
  const argv = await ensureMoto(opts.projectDir ?? PROJECT_DIR);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let lastError: Error | undefined;
  // A port found free can be taken by another process before moto binds it: try a fresh one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(argv, port, timeoutMs, opts.env ?? {});
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use|errno 98/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('moto: could not start');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function launch(
  argv: string[],
  port: number,
  timeoutMs: number,
  env: Record<string, string>,
): Promise<MotoServer> {
  const [file, ...prefix] = argv;
  if (!file) throw new Error('moto: empty server command');
  const args =
    prefix[0] === '-m' && prefix[1] === 'moto.server'
      ? ['-c', WATCHDOG_SCRIPT, ...prefix.slice(2)]
      : [...prefix];
  args.push('-H', '127.0.0.1', '-p', String(port));

  const child = spawn(file, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    // moto's catalogue of default AMIs costs ~1.5 s on the first EC2 call; the fixture needs none.
    env: { ...process.env, PYTHONUNBUFFERED: '1', MOTO_EC2_LOAD_DEFAULT_AMIS: 'false', ...env },
  });
  live.add(child);
  installExitHook();

  // The server logs every request: keep draining its output (a full pipe would block it) and keep
  // only the tail for error messages.
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.stdin?.on('error', () => undefined);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));

  const stop = async (): Promise<void> => {
    if (exited) return;
    // Closing stdin ends the server through the watchdog at once; its SIGTERM handler takes ~1 s.
    if (args[0] === '-c') child.stdin?.end();
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exitPromise;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let failure: Error | undefined;
  spawnError.then((error) => {
    failure = error;
  });
  for (;;) {
    if (failure) {
      throw new Error(`moto: could not run ${file}: ${failure.message}`);
    }
    if (exited) {
      throw new Error(
        `moto: server exited (code ${exited.code}, signal ${exited.signal}) before answering on ${endpoint}:\n${tail}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto: server did not answer on ${endpoint} within ${timeoutMs} ms:\n${tail}`);
    }
    await sleep(25);
  }

  // Let the Node process exit even if a caller forgets stop(): the watchdog then ends the server.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  return { endpoint, port, stop };
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${endpoint}/moto-api/`, { timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
