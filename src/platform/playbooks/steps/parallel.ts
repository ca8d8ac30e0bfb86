// Step kind "parallel": a group of action steps run at once (at most MAX_PARALLEL); the run goes on when all are done.
import { z } from "zod";
import { actionStep, actionStepSchema, type ActionStep } from "./action.js";
import { stepId, type StepKind } from "./kind.js";
import { PLAYBOOK_LIMITS } from "../../../sdk/vocabulary.js";

/** Most actions a parallel group runs at once. */
export const MAX_PARALLEL = PLAYBOOK_LIMITS.maxParallel;

export const parallelStepSchema = z
  .object({
    id: stepId,
    parallel: z.array(actionStepSchema).min(1),
  })
  .strict();

export type ParallelStep = z.infer<typeof parallelStepSchema>;

export const parallelStep: StepKind<ParallelStep> = {
  name: "parallel",
  key: "parallel",
  schema: parallelStepSchema,
  label: (step) => `parallel (${step.parallel.length})`,
  members: (step) => step.parallel,
  async validate(step, index, check) {
    if (step.parallel.length > MAX_PARALLEL)
      check.problems.push(`step "${step.id}": a parallel group runs at most ${MAX_PARALLEL} actions, it has ${step.parallel.length}`);
    for (const member of step.parallel) {
      if (member.else !== undefined)
        check.problems.push(`step "${member.id}": a step in a parallel group has no else (its group goes on to the next step)`);
      await actionStep.validate(member, index, check);
    }
  },
  // A group is not a job of its own: each member's job runs as an action step.
  run: (_step, context) => actionStep.run(context.job as ActionStep, context),
};
