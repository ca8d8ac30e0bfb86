// What a step kind is (a module of steps/ listed in steps/index.ts), and the fields every kind of step shares.
import { z } from "zod";
import type { Kysely, Selectable } from "kysely";
import type { Database, PlaybookRunTable, PlaybookStepStatus, PlaybookStepTable } from "../../store/index.js";
import type { StepResult } from "../placeholders.js";
import type { ActionLookup } from "../validate.js";
import type { PlaybookExecutor } from "../executor.js";
import type { Playbook } from "../schema.js";

export const MAX_TEXT = 10_000;

export const stepId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "a step id is 1 to 64 letters, digits, dashes or underscores");

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

/** What a step that runs as a job may say besides its own fields: a condition, where to go when it is false, what a failure does. */
export const flowFields = {
  id: stepId,
  when: conditionSchema.optional(),
  else: z.string().optional(),
  onFailure: z.enum(["stop", "continue"]).optional(),
};

export type Condition = z.infer<typeof conditionSchema>;

/** A step that runs as one job (an action, a wait), as the executor sees any of them. */
export interface JobStep {
  id: string;
  when?: Condition | undefined;
  else?: string | undefined;
  onFailure?: "stop" | "continue" | undefined;
}

/** What validation hands a kind's `validate`. */
export interface StepCheck {
  findAction: ActionLookup;
  problems: string[];
  /** Adds a problem unless the step named runs before the top-level position given. */
  earlier: (where: string, id: string, index: number) => void;
  /** The playbook's own parameters, read as [Playbook.<name>]. */
  declared: ReadonlySet<string>;
}

/** What the executor hands a kind's `run`: one job of the run, its condition already met. */
export interface StepRun {
  executor: PlaybookExecutor;
  run: Selectable<PlaybookRunTable>;
  playbook: Playbook;
  /** The step's stored row (status pending, or back from an approval). */
  row: PlaybookStepTable;
  /** The job's step: the top-level step itself, or a member of a group. */
  job: JobStep;
  /** Completed steps' results, as placeholders and conditions read them. */
  results: Map<string, StepResult>;
  now: number;
}

/** A new alert as ingest is about to store it: its name and events (fields as the connector set them). */
export interface NewAlert {
  name: string;
  events: Record<string, unknown>[];
}

/** An existing case a new alert joins instead of opening one, and why (stored as the alert's grouping reason). */
export interface AlertClaim {
  caseId: number;
  reason: string;
}

/**
 * A kind of playbook step. `key` is the property that marks it in a document ("action", "parallel"…): each
 * step has exactly one kind's key. Everything the executor, validation and the case wall know of a kind is here.
 */
export interface StepKind<S extends { id: string } = { id: string }> {
  /** The name docs and errors use. */
  name: string;
  key: string;
  /** The zod schema of the step's definition (strict). */
  schema: z.ZodType<S>;
  /** Checks beyond the schema (the catalog, earlier steps); adds to `check.problems`. */
  validate: (step: S, index: number, check: StepCheck) => Promise<void>;
  /** Runs one job of the step durably (its result stored through the executor); returns the status stored. */
  run: (step: S, context: StepRun) => Promise<PlaybookStepStatus | undefined>;
  /** Periodic work (time limits, answers that came in); returns how many steps it moved on. */
  sweep?: (executor: PlaybookExecutor, now: number) => Promise<number>;
  /** The steps that run as jobs: a group's members; by default the step itself. */
  members?: (step: S) => JobStep[];
  /** What a step's row names in its `action` column (the action, or what the step does). */
  label: (step: S) => string;
  /** Before ingest stores a new alert: an existing case it belongs to (an answer to what a step waits for). */
  claimAlert?: (db: Kysely<Database>, alert: NewAlert) => Promise<AlertClaim | undefined>;
  /** What the case wall shows of a step beyond its row (read by listCaseRuns); `resolve` fills a text's placeholders. */
  view?: (step: S, row: PlaybookStepTable, resolve: (text: string) => string) => Record<string, unknown>;
}
