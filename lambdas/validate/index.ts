import { z } from 'zod';
import { parseRequest } from '../shared/input';
import type { WorkflowState } from '../shared/state';

const eventSchema = z.object({
  input: z.unknown(),
  execution: z.object({ arn: z.string(), name: z.string(), startedAt: z.string() }),
});

/** Validate: the execution input becomes the typed request, or the execution fails with InvalidInput. */
export async function handler(event: unknown): Promise<WorkflowState> {
  const { input, execution } = eventSchema.parse(event);
  return { execution, request: parseRequest(input) };
}
