// The playbook document: a trigger on new cases and an ordered list of steps (zod model; docs/interfaces.md, "Playbook documents").
import { z } from "zod";
import { parametersSchema } from "../catalog/package.js";

import { PLAYBOOK_LIMITS } from "../../sdk/vocabulary.js";

/** Most actions a parallel group runs at once. */
export const MAX_PARALLEL = PLAYBOOK_LIMITS.maxParallel;
export const MAX_STEPS = PLAYBOOK_LIMITS.maxSteps;
const MAX_TEXT = 10_000;

const stepId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a step id is 1 to 64 letters, digits, dashes or underscores");

/**
 * A condition on an earlier step's result: the step's result value (or, with `path`, the value at that
 * path of its JSON result) compared as text. `resultValue: "x"` is short for `equals: "x"`.
 */
export const conditionSchema = z
  .object({
    step: stepId,
    path: z.string().max(500).optional(),
    resultValue: z.string().max(MAX_TEXT).optional(),
    equals: z.string().max(MAX_TEXT).optional(),
    notEquals: z.string().max(MAX_TEXT).optional(),
    contains: z.string().max(MAX_TEXT).optional(),
  })
  .strict()
  .refine((c) => [c.resultValue, c.equals, c.notEquals, c.contains].filter((v) => v !== undefined).length === 1, {
    message: "a condition has exactly one of resultValue, equals, notEquals, contains",
  });

/** "Integration/Action": split at the last slash (an integration's name may hold one). */
export function isActionReference(text: string): boolean {
  const slash = text.lastIndexOf("/");
  return slash > 0 && slash < text.length - 1;
}

export function splitActionReference(text: string): { integration: string; action: string } {
  const slash = text.lastIndexOf("/");
  return { integration: text.slice(0, slash), action: text.slice(slash + 1) };
}

export const approvalSchema = z
  .object({
    prompt: z.string().max(2000).optional(),
    timeoutMinutes: z.number().int().min(1).max(60 * 24 * 30),
    onTimeout: z.enum(["reject", "approve", "stop"]),
  })
  .strict();

export const actionStepSchema = z
  .object({
    id: stepId,
    action: z.string().max(200).refine(isActionReference, 'an action is "Integration/Action"'),
    params: z.record(z.string(), z.string().max(MAX_TEXT)).optional(),
    when: conditionSchema.optional(),
    else: z.string().optional(),
    onFailure: z.enum(["stop", "continue"]).optional(),
    retries: z.object({ limit: z.number().int().min(0).max(10), backoffSeconds: z.number().min(0).max(3600) }).strict().optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    approval: approvalSchema.optional(),
  })
  .strict();

export const parallelStepSchema = z
  .object({
    id: stepId,
    parallel: z.array(actionStepSchema).min(1),
  })
  .strict();

export const stepSchema = z.union([actionStepSchema, parallelStepSchema]);

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
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/, "a playbook name is 1 to 100 letters, digits, spaces, dots, dashes or underscores"),
    description: z.string().max(2000).optional(),
    enabled: z.boolean().optional(),
    /** Its own settings (`intake playbook configure`), read by steps as [Playbook.<name>]. */
    parameters: parametersSchema.optional(),
    trigger: triggerSchema,
    steps: z.array(stepSchema).min(1).max(MAX_STEPS),
  })
  .strict();

export type Condition = z.infer<typeof conditionSchema>;
export type ActionStep = z.infer<typeof actionStepSchema>;
export type ParallelStep = z.infer<typeof parallelStepSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Trigger = z.infer<typeof triggerSchema>;
export type Playbook = z.infer<typeof playbookSchema>;

export function isParallel(step: Step): step is ParallelStep {
  return "parallel" in step;
}
