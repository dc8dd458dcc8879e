import { callerId, type ExecutionOutcome, OfflineEnvironment, type OfflineOptions } from '../../local';

export interface Cause {
  message: string;
  field?: string;
  alarm?: string;
  live: string;
  previous?: string;
  version?: string;
}

/** The error name and parsed cause of a failed execution (fails the test if it did not fail). */
export function failure(outcome: ExecutionOutcome): { error: string; cause: Cause } {
  if (outcome.status !== 'FAILED') throw new Error(`expected FAILED, got ${JSON.stringify(outcome)}`);
  return { error: outcome.error, cause: JSON.parse(outcome.cause) as Cause };
}

export function output(outcome: ExecutionOutcome): Record<string, unknown> {
  if (outcome.status !== 'SUCCEEDED') throw new Error(`expected SUCCEEDED, got ${JSON.stringify(outcome)}`);
  return outcome.output as Record<string, unknown>;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every scenario ends with this: no router write gave weight to a side that was not fully healthy. */
export function expectNoUnhealthyWrites(env: OfflineEnvironment): void {
  expect(env.violations).toEqual([]);
}

/**
 * One offline environment per test file: started before the first test (then `prepare` runs on it),
 * closed after the last, and after every test the observer's verdict is checked. The returned object
 * stands for the environment once it has started.
 */
export function useOfflineEnvironment(
  opts: OfflineOptions,
  prepare?: (env: OfflineEnvironment) => Promise<void>,
): OfflineEnvironment {
  let current: OfflineEnvironment | undefined;
  beforeAll(async () => {
    current = await OfflineEnvironment.start(opts);
    await prepare?.(current);
  }, 300_000);
  afterAll(async () => {
    await current?.close();
  });
  afterEach(() => {
    if (current) expectNoUnhealthyWrites(current);
  });
  return new Proxy({} as OfflineEnvironment, {
    get(_, key) {
      if (!current)
        throw new Error(`the offline environment of ${opts.service ?? 'this file'} has not started`);
      const value: unknown = Reflect.get(current, key, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

/**
 * Makes the AWS calls of one step's function (found by its construct name, e.g. `Watch`) fail with
 * an access-denied answer, as AWS would send it. Returns the function that removes the fault.
 */
export function denyCallsOf(
  env: OfflineEnvironment,
  step: string,
  call: { readonly service: string; readonly operation: string; readonly action: string },
): () => void {
  const fn = env.workflow.wf.functions.find((f) => f.logicalId.startsWith(`Cutover${step}Function`));
  if (!fn) throw new Error(`no function of step ${step} in the stack`);
  return env.aws.injectFault({
    service: call.service,
    operation: call.operation,
    caller: callerId(fn),
    code: 'AccessDeniedException',
    message: `not authorized to perform: ${call.action}`,
  });
}
