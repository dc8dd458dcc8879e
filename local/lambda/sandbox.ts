import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { SynthesizedFunction } from '../assembly/types';
import type { InvokeMessage, LambdaErrorPayload, VirtualClock, WorkerData, WorkerMessage } from './protocol';
import { workerCode } from './worker-code';

/** initMs: from creating the worker to the handler being loaded (thread start-up + module init). */
type InitResult = { ok: true; initMs: number } | { ok: false; error: LambdaErrorPayload };
type InvokeOutcome = { ok: true; payload: string } | { ok: false; error: LambdaErrorPayload };

// Lambda gives the Init phase 10 s of its own, independent of the function timeout.
const INIT_TIMEOUT_MS = 10_000;
const nodeMajor = Number(process.versions.node.split('.')[0]);

/** One worker thread = one warm Lambda execution environment of one function. */
export class Sandbox {
  readonly worker: Worker;
  readonly ready: Promise<InitResult>;
  readonly logStreamName: string;
  readonly createdAt = performance.now();
  busy = false;
  dead = false;
  lastUsed = 0;
  private inflight?: {
    id: string;
    finish: (r: InvokeOutcome) => void;
  };
  private fatal?: LambdaErrorPayload;

  constructor(
    readonly fn: SynthesizedFunction,
    env: Record<string, string>,
    onLog: (line: string) => void,
    private readonly clock?: VirtualClock,
  ) {
    if (!fn.assetDir) throw new Error(`function ${fn.name} has no code directory in cdk.out`);
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    this.logStreamName = `${day}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
    const source = workerCode();
    this.worker = new Worker(source.eval ? source.code : source.file, {
      eval: source.eval,
      name: fn.name,
      env: { ...env, AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName },
      execArgv: [],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(fn.memoryMb, 64) },
      workerData: {
        handler: fn.handler,
        taskRoot: fn.assetDir,
        // The function runs on nodejs22.x in AWS, where the SDK has nothing to warn about.
        hideNodeVersionWarning: nodeMajor < 22 && /^nodejs(2[2-9]|[3-9]\d)/.test(fn.runtime),
        clock,
      } satisfies WorkerData,
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) onLog(line);
      });
      stream.on('end', () => {
        if (buffered) onLog(buffered);
      });
    }
    this.ready = new Promise<InitResult>((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `INIT_REPORT Init Duration: ${INIT_TIMEOUT_MS}.00 ms Phase: init Status: timeout`,
          },
        });
      }, INIT_TIMEOUT_MS);
      const settle = (r: InitResult) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') settle({ ok: true, initMs: performance.now() - this.createdAt });
        else if (msg.type === 'initError') settle({ ok: false, error: msg.error });
        else if (msg.type === 'fatal') this.fatal = msg.error;
        else if ((msg.type === 'result' || msg.type === 'error') && this.inflight?.id === msg.id) {
          this.inflight.finish(
            msg.type === 'result' ? { ok: true, payload: msg.payload } : { ok: false, error: msg.error },
          );
        }
      });
      this.worker.on('error', (err: Error & { code?: string }) => {
        this.fatal =
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' }
            : { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
      });
      this.worker.on('exit', (code) => {
        this.dead = true;
        const requestId = this.inflight?.id;
        const error = this.fatal ?? {
          errorType: 'Runtime.ExitError',
          errorMessage: `${requestId ? `RequestId: ${requestId} ` : ''}Error: Runtime exited with error: exit status ${code}`,
        };
        settle({ ok: false, error });
        this.inflight?.finish({ ok: false, error });
      });
    });
  }

  invoke(requestId: string, eventJson: string, context: Record<string, string>): Promise<InvokeOutcome> {
    const timeoutMs = (this.fn.timeoutSeconds * 1000) / (this.clock?.rate ?? 1);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Lambda tears the execution environment down after a timeout; the next invoke is a cold start.
        this.kill();
        finish({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${this.fn.timeoutSeconds.toFixed(2)} seconds`,
          },
        });
      }, timeoutMs);
      const finish = (r: InvokeOutcome) => {
        if (this.inflight?.id !== requestId) return;
        clearTimeout(timer);
        this.inflight = undefined;
        resolve(r);
      };
      this.inflight = { id: requestId, finish };
      this.worker.ref();
      const message: InvokeMessage = {
        type: 'invoke',
        id: requestId,
        event: eventJson,
        context,
        deadline: Date.now() + timeoutMs,
      };
      this.worker.postMessage(message);
    });
  }

  idle(): void {
    // An idle warm sandbox must not keep a script that forgot close() alive.
    if (!this.dead) this.worker.unref();
  }

  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}
