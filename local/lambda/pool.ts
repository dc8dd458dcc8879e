import type { SynthesizedFunction } from '../assembly/types';
import type { InvokeResult, VirtualClock } from './protocol';
import { Sandbox } from './sandbox';

/** The warm and busy sandboxes of one function; an invoke takes the warmest idle one or starts a new one. */
export class FunctionPool {
  private readonly sandboxes: Sandbox[] = [];
  private useCounter = 0;

  constructor(
    readonly fn: SynthesizedFunction,
    private readonly env: Record<string, string>,
    private readonly onLog: (functionName: string, line: string) => void,
    private readonly clock?: VirtualClock,
  ) {}

  async invoke(eventJson: string, requestId: string, invokedArn: string): Promise<InvokeResult> {
    if (!this.fn.assetDir) {
      return {
        ok: false,
        durationMs: 0,
        error: {
          errorType: 'Runner.UnsupportedCode',
          errorMessage: `${this.fn.name}: only directory assets in cdk.out can run offline (runtime ${this.fn.runtime})`,
        },
      };
    }
    if (!/^nodejs/.test(this.fn.runtime)) {
      return {
        ok: false,
        durationMs: 0,
        error: {
          errorType: 'Runner.UnsupportedRuntime',
          errorMessage: `${this.fn.name}: runtime ${this.fn.runtime}`,
        },
      };
    }
    // Most recently used first, like Lambda reusing the warmest environment.
    let sandbox = this.sandboxes.filter((s) => !s.busy && !s.dead).sort((a, b) => b.lastUsed - a.lastUsed)[0];
    const cold = sandbox === undefined;
    if (!sandbox) {
      sandbox = new Sandbox(this.fn, this.env, (line) => this.onLog(this.fn.name, line), this.clock);
      this.sandboxes.push(sandbox);
    }
    sandbox.busy = true;
    try {
      let initDurationMs: number | undefined;
      if (cold) {
        const init = await sandbox.ready;
        if (!init.ok) {
          sandbox.kill();
          return { ok: false, error: init.error, durationMs: 0 };
        }
        initDurationMs = init.initMs;
      }
      const started = performance.now();
      const context = {
        functionName: this.fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: invokedArn,
        memoryLimitInMB: String(this.fn.memoryMb),
        awsRequestId: requestId,
        logGroupName: `/aws/lambda/${this.fn.name}`,
        logStreamName: sandbox.logStreamName,
      };
      const r = await sandbox.invoke(requestId, eventJson, context);
      const durationMs = performance.now() - started;
      return r.ok
        ? { ok: true, payload: r.payload, durationMs, initDurationMs }
        : { ok: false, error: r.error, durationMs, initDurationMs };
    } finally {
      sandbox.busy = false;
      sandbox.lastUsed = ++this.useCounter;
      sandbox.idle();
      if (sandbox.dead) this.sandboxes.splice(this.sandboxes.indexOf(sandbox), 1);
    }
  }

  async close(): Promise<void> {
    const all = this.sandboxes.splice(0);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}
