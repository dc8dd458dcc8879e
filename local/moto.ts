import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

/**
 * The moto version the offline runner is tested against. local/requirements.txt must pin the same
 * version (ensureMoto refuses to install anything else).
 */
export const MOTO_PIN = '5.2.1';

const PROJECT_DIR = path.resolve(__dirname, '..');
const REQUIREMENTS = path.join(__dirname, 'requirements.txt');

export interface EnsureMotoOptions {
  /** Skip interpreters found on PATH and use (or create) the project's venv. */
  readonly forceVenv?: boolean;
  /** Progress lines for slow steps (venv creation, pip); defaults to stderr. */
  readonly log?: (line: string) => void;
}

interface Probe {
  readonly executable?: string;
  readonly version?: string;
  readonly motoFile?: string;
  readonly extras?: boolean;
  readonly extrasFile?: string;
  readonly error?: string;
}

interface Stamp {
  readonly file: string;
  readonly mtimeMs: number;
  readonly size: number;
}

interface CacheRecord {
  readonly pin: string;
  readonly argv: string[];
  readonly stamps: Stamp[];
}

// Reports what an interpreter would run, without starting a server: importing moto.server would
// pull in every backend and cost seconds.
const PROBE_SCRIPT = `
import json, sys
out = {"executable": sys.executable}
try:
    import moto
    out["version"] = moto.__version__
    out["motoFile"] = moto.__file__
except Exception as e:
    out["error"] = repr(e)
try:
    import flask, flask_cors
    out["extras"] = True
    out["extrasFile"] = flask_cors.__file__
except Exception as e:
    out["extras"] = False
print(json.dumps(out))
`;

const memo = new Map<string, Promise<string[]>>();

/**
 * The argv prefix that starts a moto server of version MOTO_PIN with its server extras, e.g.
 * `['/usr/bin/python3', '-m', 'moto.server']`. Uses an interpreter on PATH when it already has the
 * pin, otherwise installs the pin into `<projectDir>/.venv`. The answer is cached in memory and in
 * `<projectDir>/.cache/moto-server.json` (checked against file stamps, so a changed install is noticed).
 */
export function ensureMoto(
  projectDir: string = PROJECT_DIR,
  opts: EnsureMotoOptions = {},
): Promise<string[]> {
  const key = `${path.resolve(projectDir)}|${opts.forceVenv ? 'venv' : 'any'}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = resolveMoto(path.resolve(projectDir), opts);
    memo.set(key, pending);
    pending.catch(() => memo.delete(key));
  }
  return pending;
}

async function resolveMoto(projectDir: string, opts: EnsureMotoOptions): Promise<string[]> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cacheFile = path.join(
    projectDir,
    '.cache',
    opts.forceVenv ? 'moto-server-venv.json' : 'moto-server.json',
  );
  const cached = await readCache(cacheFile);
  if (cached) return cached;

  if (!opts.forceVenv) {
    for (const python of await pathCandidates()) {
      const probe = await probePython(python);
      if (probeMatches(probe)) return writeCache(cacheFile, probe);
    }
  }

  const probe = await withLock(path.join(projectDir, '.cache', 'moto-install.lock'), () =>
    installIntoVenv(projectDir, log),
  );
  return writeCache(cacheFile, probe);
}

function probeMatches(probe: Probe | undefined): probe is Probe & { executable: string } {
  return probe?.version === MOTO_PIN && probe.extras === true && typeof probe.executable === 'string';
}

async function pathCandidates(): Promise<string[]> {
  const found: string[] = [];
  const motoServer = await which('moto_server');
  if (motoServer) {
    const interpreter = await shebangPython(motoServer);
    if (interpreter) found.push(interpreter);
  }
  const python3 = await which('python3');
  if (python3) found.push(python3);
  return found;
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      await fs.access(file, fsConstants.X_OK);
      return file;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

// A pip-installed console script names its interpreter in the shebang; wrappers such as pyenv shims
// are shell scripts, and the python3 candidate covers those.
async function shebangPython(script: string): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(script, 'r');
    const buf = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const first = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    if (!first.startsWith('#!')) return undefined;
    const parts = first.slice(2).trim().split(/\s+/);
    if (parts[0]?.endsWith('/env')) return parts[1]?.includes('python') ? parts[1] : undefined;
    return parts[0]?.includes('python') ? parts[0] : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr || (error && !stdout ? error.message : '')),
      });
    });
  });
}

async function probePython(python: string): Promise<Probe | undefined> {
  const out = await run(python, ['-c', PROBE_SCRIPT], 60_000);
  if (out.code !== 0) return undefined;
  try {
    return JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as Probe;
  } catch {
    return undefined;
  }
}

async function installIntoVenv(
  projectDir: string,
  log: (line: string) => void,
): Promise<Probe & { executable: string }> {
  const venv = path.join(projectDir, '.venv');
  const venvPython = path.join(venv, 'bin', 'python');

  // Another process may have finished the install while this one waited for the lock.
  const before = await probePython(venvPython);
  if (probeMatches(before)) return before;

  await checkRequirementsPin();
  if (!(await exists(venvPython))) {
    const python3 = await which('python3');
    if (!python3) {
      throw new Error(
        'moto: python3 was not found on PATH; the offline runner needs python3 with pip and venv',
      );
    }
    log(`moto: creating ${venv}`);
    const made = await run(python3, ['-m', 'venv', venv], 300_000);
    if (made.code !== 0) {
      throw new Error(
        `moto: "python3 -m venv ${venv}" failed (on Debian/Ubuntu install python3-venv):\n${made.stderr || made.stdout}`,
      );
    }
  }
  log(`moto: installing moto[server]==${MOTO_PIN} into ${venv} (one-time)`);
  const pip = await run(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS],
    900_000,
  );
  if (pip.code !== 0) {
    throw new Error(
      `moto: pip could not install moto[server]==${MOTO_PIN} into ${venv} (exit ${pip.code}). ` +
        `Check access to the Python package index, or delete ${venv} and retry.\n${pip.stderr || pip.stdout}`,
    );
  }
  const after = await probePython(venvPython);
  if (!probeMatches(after)) {
    throw new Error(
      `moto: after pip install, ${venvPython} reports moto ${after?.version ?? 'missing'} ` +
        `(server extras ${after?.extras ? 'present' : 'missing'}), expected ${MOTO_PIN}: delete ${venv} and retry`,
    );
  }
  return after;
}

async function checkRequirementsPin(): Promise<void> {
  const text = await fs.readFile(REQUIREMENTS, 'utf8');
  if (!text.split('\n').some((line) => line.trim() === `moto[server]==${MOTO_PIN}`)) {
    throw new Error(`moto: ${REQUIREMENTS} must pin moto[server]==${MOTO_PIN} (MOTO_PIN in local/moto.ts)`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function stamp(file: string): Promise<Stamp> {
  const st = await fs.stat(file);
  return { file, mtimeMs: st.mtimeMs, size: st.size };
}

async function readCache(cacheFile: string): Promise<string[] | undefined> {
  try {
    const record = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as CacheRecord;
    if (record.pin !== MOTO_PIN || !Array.isArray(record.argv) || !Array.isArray(record.stamps))
      return undefined;
    for (const old of record.stamps) {
      const now = await stamp(old.file);
      if (now.mtimeMs !== old.mtimeMs || now.size !== old.size) return undefined;
    }
    return record.argv;
  } catch {
    return undefined;
  }
}

async function writeCache(cacheFile: string, probe: Probe & { executable: string }): Promise<string[]> {
  const argv = [probe.executable, '-m', 'moto.server'];
  try {
    const files = [probe.executable, probe.motoFile, probe.extrasFile].filter((f): f is string => Boolean(f));
    const record: CacheRecord = { pin: MOTO_PIN, argv, stamps: await Promise.all(files.map(stamp)) };
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(record));
    await fs.rename(tmp, cacheFile);
  } catch {
    // The cache only saves a probe next time; failing to write it changes nothing else.
  }
  return argv;
}

// Parallel test workers on a fresh machine would otherwise run pip into the same venv at once.
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await lockIsStale(lockDir)) {
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`moto: timed out waiting for ${lockDir}; delete it if no install runs`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

async function lockIsStale(lockDir: string): Promise<boolean> {
  try {
    const pid = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return (await fs.stat(lockDir)).mtimeMs < Date.now() - 10_000;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return true;
    // The pid file is written just after the directory: give the owner a moment.
    if (code === 'ENOENT') return (await fs.stat(lockDir).catch(() => undefined)) === undefined;
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
