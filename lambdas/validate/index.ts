import * as z from 'zod';
import { checkAllowedAlarms, parseRequest } from '../shared/contract';
import { executionSchema, type WorkflowState } from '../shared/state';
import { defineStep } from '../shared/step';

const eventSchema = z.object({ input: z.unknown(), execution: executionSchema });

/** Validate: the execution input becomes the typed request, or the execution fails with InvalidInput. */
export const handler = defineStep(
  'Validate',
  eventSchema,
  async ({ input, execution }, step): Promise<WorkflowState> => {
    const request = parseRequest(input);
    // Only an input that names alarms needs the configuration, to check them against it.
    if (request.action === 'cutover' && request.allowFiringAlarms) {
      checkAllowedAlarms(request.allowFiringAlarms, step.config.alarms);
    }
    return { execution, request };
  },
);
