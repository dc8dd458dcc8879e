import { execFile } from 'node:child_process';
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { lock } from 'proper-lockfile';

/**
 * The moto version the offline runner is tested against. local/requirements.txt must pin the same
 * version (ensureMoto refuses to install anything else).
 */
export const MOTO_PIN = '5.2.1';

export const PROJECT_DIR = path.resolve(__dirname, '..', '..');
const REQUIREMENTS = path.join(__dirname, '..', 'requirements.txt');

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

  const probe = await withLock(path.join(projectDir, '.cache', 'moto-install.lock'), log, () =>
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
    throw new Error(
      `moto: ${REQUIREMENTS} must pin moto[server]==${MOTO_PIN} (MOTO_PIN in local/moto/install.ts)`,
    );
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

// Parallel test workers on a fresh machine would otherwise run pip into the same venv at once. The
// lock's mtime is kept fresh while held, so a lock left by a killed process is taken over after 10 s.
async function withLock<T>(lockDir: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lock(lockDir, {
      lockfilePath: lockDir,
      realpath: false,
      stale: 10_000,
      // About 20 minutes of waiting for another install, polled every 250 ms.
      retries: { retries: 4800, minTimeout: 250, maxTimeout: 250, factor: 1 },
      onCompromised: (error) => log(`moto: lost the install lock ${lockDir}: ${error.message}`),
    });
  } catch (error) {
    throw new Error(`moto: timed out waiting for ${lockDir}; delete it if no install runs`, { cause: error });
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
