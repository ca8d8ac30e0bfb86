// The step kinds a playbook may use, one row each: the executor, validation, the schema and the case wall read
// this table rather than branching on a step's shape. A new kind is a module of this folder and a row here.
import { z } from "zod";
import type { Kysely } from "kysely";
import type { Database } from "../../store/index.js";
import type { PlaybookExecutor } from "../executor.js";
import { actionStep } from "./action.js";
import { parallelStep } from "./parallel.js";
import { waitForAnswerStep } from "./wait-for-answer.js";
import type { AlertClaim, JobStep, NewAlert, StepKind } from "./kind.js";

export const STEP_KINDS = [actionStep, parallelStep, waitForAnswerStep] as const;

type StepOf<K> = K extends StepKind<infer S> ? S : never;
/** A step of any kind, as a playbook document holds it. */
export type Step = StepOf<(typeof STEP_KINDS)[number]>;

/** A kind whatever its steps: looked up at run time, it is only called with a step its key recognised. */
// biome-ignore lint/suspicious/noExplicitAny: each row takes its own kind of step
type AnyStepKind = StepKind<any>;
const kinds: readonly AnyStepKind[] = STEP_KINDS;

/** The keys that mark the kinds, for messages. */
export const STEP_KIND_KEYS = kinds.map((kind) => kind.key);

/** Why a value is no step of a known kind, or undefined when it is one (exactly one kind's key). */
export function stepKindProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "a step is an object";
  const found = kinds.filter((kind) => Object.hasOwn(value, kind.key));
  const known = STEP_KIND_KEYS.map((key) => JSON.stringify(key)).join(", ");
  if (found.length === 0) return `an unknown kind of step: a step has one of ${known}`;
  if (found.length > 1)
    return `a step of two kinds (${found.map((kind) => JSON.stringify(kind.key)).join(" and ")}): a step has one of ${known}`;
  return undefined;
}

/** The kind of a step (one that validated: a stored definition, a step of a saved playbook). */
export function stepKindOf(step: { id: string }): AnyStepKind {
  const kind = kinds.find((candidate) => Object.hasOwn(step, candidate.key));
  if (!kind) throw new Error(`step "${step.id}": ${stepKindProblem(step)}`);
  return kind;
}

/** A step of a playbook document: its kind found by its key, then checked by that kind's schema. */
export const stepSchema = z.unknown().transform((value, context): Step => {
  const problem = stepKindProblem(value);
  if (problem) {
    context.issues.push({ code: "custom", message: problem, input: value });
    return z.NEVER;
  }
  const parsed = stepKindOf(value as { id: string }).schema.safeParse(value);
  if (parsed.success) return parsed.data as Step;
  for (const issue of parsed.error.issues) context.issues.push({ ...issue, input: value } as never);
  return z.NEVER;
});

/** The steps that run as jobs of a top-level step (a group's members, else the step itself). */
export function jobStepsOf(step: Step): JobStep[] {
  const kind = stepKindOf(step);
  return kind.members ? kind.members(step) : [step];
}

/** Before ingest stores a new alert: the existing case a kind claims it for (an answer a step waits for), if any. */
export async function claimNewAlert(db: Kysely<Database>, alert: NewAlert): Promise<AlertClaim | undefined> {
  for (const kind of kinds) {
    const claim = await kind.claimAlert?.(db, alert);
    if (claim) return claim;
  }
  return undefined;
}

/** Every kind's periodic work (approvals' and waits' time limits, answers come in); how many steps moved on. */
export async function sweepStepKinds(executor: PlaybookExecutor, now = Date.now()): Promise<number> {
  let moved = 0;
  for (const kind of kinds) moved += (await kind.sweep?.(executor, now)) ?? 0;
  return moved;
}

export type { AlertClaim, JobStep, NewAlert, StepCheck, StepKind, StepRun } from "./kind.js";
export { conditionSchema, type Condition } from "./kind.js";
