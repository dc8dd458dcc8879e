import { main } from '../../cli';
import { type OfflineEnvironment, REGION, StepFunctionsEndpoint } from '../../local';
import { FAKE_CREDENTIALS_ENV } from '../../local/common/account';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `bluegreen <args>` in this process, its output captured. */
export async function cli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** The one JSON document of a `--json` run. */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  return JSON.parse(run.stdout) as T;
}

/**
 * The offline runner's own AWS endpoint (its Step Functions API and the stack's functions, the rest
 * forwarded to the honest proxy), started once the environment is, and the arguments that aim the
 * CLI at it. The runner's fake credentials are in the environment, as a user's would be.
 */
export function useRunnerEndpoint(env: OfflineEnvironment): { args: (service: string) => string[] } {
  let endpoint: StepFunctionsEndpoint | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    for (const [k, v] of Object.entries(FAKE_CREDENTIALS_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    endpoint = await StepFunctionsEndpoint.start(env.workflow, env.aws.endpoint);
  }, 300_000);
  afterAll(async () => {
    await endpoint?.stop();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  return {
    args: (service) => {
      if (!endpoint) throw new Error('the runner endpoint has not started');
      return [
        '--service',
        service,
        '--region',
        REGION,
        '--endpoint-url',
        endpoint.endpoint,
        '--poll-ms',
        '100',
      ];
    },
  };
}

/** Fails with the run's output unless it exited 0. */
export function expectSuccess(run: CliRun): void {
  if (run.code !== 0) throw new Error(`exit ${run.code}\n${run.stdout}\n${run.stderr}`);
}
