import { callerId } from '../../local';
import { functionOf } from './iam-checks';
import { failure, output, useOfflineEnvironment, waitFor } from './support';

/**
 * A console rollback joins a cutover that moved traffic by asking it to roll back. When that cutover
 * is no longer running (stopped, and its cleanup failed or has not run yet), nothing would take the
 * request: the rollback must say so promptly instead of polling until its own timeout.
 */
const env = useOfflineEnvironment(
  { service: 'dead-join', bakeSeconds: 120, healthTimeoutSeconds: 10, initialMs: 300 },
  async (ready) => {
    output((await ready.run({ action: 'cutover', version: 'v1' })).outcome);
  },
);

/** Makes the cleanup rule's function fail (it cannot read the table), until the returned function runs. */
function breakCleanup(): () => void {
  return env.aws.injectFault({
    service: 'dynamodb',
    caller: callerId(functionOf(env, 'OnExecutionEnded')),
    code: 'AccessDeniedException',
    message: 'not authorized to perform: dynamodb:GetItem',
  });
}

async function cutoverUntilSwitched(version: string) {
  const target = (await env.weights()).blue === 100 ? 'green' : 'blue';
  const execution = env.start({ action: 'cutover', version });
  await waitFor(async () => (await env.weights())[target] === 100);
  return { execution, target, previous: target === 'blue' ? 'green' : 'blue' } as const;
}

describe('workflow: a rollback does not join a cutover that is no longer running', () => {
  it('refuses at once when the cutover holding the lease was stopped and its cleanup failed', async () => {
    const { execution, previous } = await cutoverUntilSwitched('v2-dead');
    const repair = breakCleanup();
    await execution.stop();
    await execution.statusEvents;
    expect(execution.status).toBe('ABORTED');
    repair();

    const startedAt = Date.now();
    const { error, cause } = failure((await env.run({ action: 'rollback', reason: 'looks wrong' })).outcome);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(error).toBe('CutoverInProgress');
    expect(cause.message).toContain(execution.executionArn);
    expect(cause.message).toMatch(/no longer running \(its status is ABORTED\)/);
    expect(cause.message).toMatch(
      /start the rollback again once it has .*or after the lease expires at \d{4}-/,
    );

    // EventBridge delivers the event again: the cleanup rolls the cutover back and frees the lease.
    await env.workflow.redeliver(execution.executionArn);
    expect(await env.weights()).toMatchObject({ [previous]: 100 });
    // The lease is free: the rollback started again runs (there is nothing left to undo).
    expect(failure((await env.run({ action: 'rollback' })).outcome).error).toBe('NothingToRollBack');
  }, 120_000);

  it('stops waiting when the joined cutover dies before it took the request', async () => {
    const { execution, previous } = await cutoverUntilSwitched('v4-dies');
    const repair = breakCleanup();
    // The cutover is stopped the moment the rollback starts waiting for it, before its next look.
    const remove = env.workflow.onInvoke('AwaitRollback', () => {
      void execution.stop();
    });
    try {
      const startedAt = Date.now();
      const { error, cause } = failure((await env.run({ action: 'rollback' })).outcome);
      expect(Date.now() - startedAt).toBeLessThan(40_000);
      expect(error).toBe('CutoverInProgress');
      // Whether or not its last look saw the request, it is named; the rollback does not wait on.
      expect(cause.message).toContain(execution.executionArn);
    } finally {
      remove();
      await execution.statusEvents;
      repair();
    }
    await env.workflow.redeliver(execution.executionArn);
    expect(await env.weights()).toMatchObject({ [previous]: 100 });
  }, 120_000);

  it('still joins a cutover that is baking', async () => {
    const { execution, previous } = await cutoverUntilSwitched('v5');
    const { outcome } = await env.run({ action: 'rollback' });
    expect(output(outcome)).toMatchObject({
      action: 'rollback',
      live: previous,
      joined: execution.executionArn,
    });
    expect(failure(await execution.result).error).toBe('RolledBack');
  }, 120_000);
});
