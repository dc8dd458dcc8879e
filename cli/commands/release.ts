import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type ExecutionInput, InvalidInput, parseRequest } from '../../lambdas/shared/contract';
import { CliError } from '../errors';
import type { Output } from '../output';
import type { Service } from '../service';
import { follow, printEnd, type WatchResult } from './watch';

export interface StartOptions {
  /** Follow the execution until it ends (default), or only start it. */
  readonly wait: boolean;
  readonly pollMs: number;
}

/**
 * Starts an execution with `input` (checked against the execution-input contract first, so a typo
 * is refused here, naming the field, before anything starts) and, unless told not to wait, follows
 * it to its end. Answers the exit code: 0 when it succeeded (or was only started), 1 otherwise.
 */
export async function startRelease(
  service: Service,
  input: ExecutionInput,
  out: Output,
  opts: StartOptions,
): Promise<number> {
  try {
    parseRequest(input);
  } catch (error) {
    if (error instanceof InvalidInput) {
      throw new CliError(
        `invalid ${input.action}: ${error.details.message}`,
        `fix ${error.details.field ?? 'the arguments'}`,
      );
    }
    throw error;
  }
  const started = await service.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, input: JSON.stringify(input) }),
  );
  const executionArn = started.executionArn ?? '';
  if (!opts.wait) {
    out.line(`started ${executionArn}`);
    out.line(`follow it with: bluegreen watch --service ${service.name} ${executionArn.split(':').pop()}`);
    out.document({ executionArn, startDate: started.startDate?.toISOString(), input });
    return 0;
  }
  const result = await follow(service, executionArn, out, opts.pollMs);
  printEnd(result, out);
  printPlan(result, out);
  out.document({ ...result, input });
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

/** A dry run's plan, step by step. */
function printPlan(result: WatchResult, out: Output): void {
  const plan = (result.output as { plan?: { steps?: unknown } } | undefined)?.plan;
  if (!plan || !Array.isArray(plan.steps)) return;
  out.line('plan (nothing was changed):');
  plan.steps.forEach((step, i) => {
    out.line(`  ${i + 1}. ${String(step)}`);
  });
}

/**
 * The manual approval gate is not part of the workflow's contract yet: no execution input can
 * approve anything, so `approve` says so instead of starting an execution that would be refused.
 */
export function approve(service: Service): never {
  throw new CliError(
    `manual approval is not configured for ${service.name}`,
    'its workflow has no approval step: releases proceed on their own once the gate passes',
  );
}
