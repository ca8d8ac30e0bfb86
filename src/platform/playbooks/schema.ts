// The playbook document: a trigger on new cases and an ordered list of steps (zod model; docs/interfaces.md,
// "Playbook documents"); each kind of step is a module of steps/, listed in steps/index.ts.
import { z } from "zod";
import { parametersSchema } from "../catalog/package.js";
import { stepSchema } from "./steps/index.js";
import { PLAYBOOK_LIMITS } from "../../sdk/vocabulary.js";

export { MAX_PARALLEL, parallelStepSchema, type ParallelStep } from "./steps/parallel.js";
export { actionStepSchema, approvalSchema, isActionReference, splitActionReference, type ActionStep } from "./steps/action.js";
export { conditionSchema, type Condition } from "./steps/kind.js";
export { stepSchema, type Step } from "./steps/index.js";

export const MAX_STEPS = PLAYBOOK_LIMITS.maxSteps;

export const triggerSchema = z
  .object({
    event: z.literal("case_created"),
    connector: z.string().max(100).optional(),
    product: z.string().max(200).optional(),
    environment: z.string().max(200).optional(),
    /** The least priority a case must have. */
    priority: z.number().int().optional(),
    /** At least one entity of one of these types. */
    entityTypes: z.array(z.string().max(50)).max(50).optional(),
  })
  .strict();

export const playbookSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, "a playbook name is 1 to 100 letters, digits, spaces, dots, dashes or underscores"),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    /** Its own settings (`intake playbook configure`), read by steps as [Playbook.<name>]. */
    parameters: parametersSchema.optional(),
    trigger: triggerSchema,
    steps: z.array(stepSchema).min(1).max(MAX_STEPS),
  })
  .strict();

export type Trigger = z.infer<typeof triggerSchema>;
export type Playbook = z.infer<typeof playbookSchema>;
