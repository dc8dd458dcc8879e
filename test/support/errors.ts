import { BlueGreenError } from '../../lambdas/shared/contract';

/** Runs `fn` and returns the contract error it throws (fails the test if it throws nothing or something else). */
export function thrown(fn: () => unknown): BlueGreenError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BlueGreenError) return error;
    throw error;
  }
  throw new Error('expected a BlueGreenError, nothing was thrown');
}
