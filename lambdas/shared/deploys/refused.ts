import { isRefusal, isTransient } from '../aws/transient';
import { DeployFailed } from '../contract';

/** AWS refusing a deploy call (4xx, not throttling) is DeployFailed naming what was refused. */
export async function refusedAsDeployFailed<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransient(error) || !isRefusal(error)) throw error;
    const e = error as Error;
    throw new DeployFailed(`${what} was refused (${e.name}: ${e.message})`, { cause: e });
  }
}
