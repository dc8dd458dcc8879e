import * as z from 'zod';
import { parseRequest } from '../shared/contract';
import { executionSchema, type WorkflowState } from '../shared/state';
import { defineStep } from '../shared/step';

const eventSchema = z.object({ input: z.unknown(), execution: executionSchema });

/** Validate: the execution input becomes the typed request, or the execution fails with InvalidInput. */
export const handler = defineStep(
  'Validate',
  eventSchema,
  async ({ input, execution }): Promise<WorkflowState> => ({ execution, request: parseRequest(input) }),
);
