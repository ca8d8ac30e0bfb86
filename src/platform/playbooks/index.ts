// Playbooks: save (validated), list, configure, delete; the runs of a case with their steps; the executor
// wired to the platform's actions and the embedded queue.
import fs from "node:fs";
import type { Store } from "../store/index.js";
import { PlaybookFile, PlaybookNotFound, PlaybookRunNotFound } from "../errors.js";
import { maskParameterValues, requiredWhenProblems, sealParameterValues, type ParameterValue } from "../catalog/parameters.js";
import { ParameterError } from "../../sdk/errors.js";
import { SECRET_MARK } from "../catalog/settings.js";
import { openSecretBox } from "../secrets/index.js";
import { EmbeddedQueue, type Queue } from "../queue/index.js";
import { PlaybookExecutor, type ExecutorOptions } from "./executor.js";
import { validatePlaybook, type ActionLookup } from "./validate.js";
import { platformActionLookup, platformRunAction } from "./platform.js";
import type { Playbook } from "./schema.js";
import { resolvePlaceholders, type StepResult } from "./placeholders.js";
import { jobStepsOf, stepKindOf } from "./steps/index.js";

export { checkPlaybook, validatePlaybook, PlaybookInvalidError, type ActionLookup } from "./validate.js";
export { PlaybookExecutor, STEP_JOB, stepKey, type DrainSummary } from "./executor.js";
export { sweepTriggers } from "./trigger.js";
export { installBuiltinPlaybooks } from "./builtin.js";
export { playbookSchema, type Playbook } from "./schema.js";
export { STEP_KINDS, claimNewAlert, stepKindOf, type StepKind } from "./steps/index.js";
export type { RunActionFunction } from "./action-port.js";

/** The executor on the embedded queue and the platform's actions (options override, for tests). */
export function createExecutor(store: Store, options: Partial<ExecutorOptions> & { queue?: Queue } = {}): PlaybookExecutor {
  return new PlaybookExecutor(store, {
    queue: options.queue ?? new EmbeddedQueue(store),
    runAction: options.runAction ?? platformRunAction,
    findAction: options.findAction ?? platformActionLookup(store),
    ...options,
  });
}

export interface PlaybookSummary {
  name: string;
  description: string;
  enabled: boolean;
  trigger: Playbook["trigger"];
  steps: number;
  sourceIntegration: string | null;
  updatedAt: number;
}

export interface PlaybookDetail extends PlaybookSummary {
  definition: Playbook;
  /** Configured values of its own parameters (defaults applied, a set secret as ********). */
  parameters: Record<string, unknown>;
}

function detail(row: {
  name: string;
  definition: string;
  enabled: number;
  parameters: string;
  source_integration: string | null;
  updated_at: number;
}): PlaybookDetail {
  const definition = JSON.parse(row.definition) as Playbook;
  return {
    name: row.name,
    description: definition.description ?? "",
    enabled: row.enabled === 1,
    trigger: definition.trigger,
    steps: definition.steps.length,
    sourceIntegration: row.source_integration,
    updatedAt: row.updated_at,
    definition,
    parameters: maskParameterValues(definition.parameters ?? [], JSON.parse(row.parameters) as Record<string, ParameterValue>, SECRET_MARK),
  };
}

export async function listPlaybooks(store: Store): Promise<PlaybookSummary[]> {
  const rows = await store.db.selectFrom("playbooks").selectAll().orderBy("name").execute();
  return rows.map((row) => {
    const { definition: _definition, parameters: _parameters, ...summary } = detail(row);
    return summary;
  });
}

export async function getPlaybook(store: Store, name: string): Promise<PlaybookDetail> {
  const row = await store.db.selectFrom("playbooks").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) throw new PlaybookNotFound(name);
  return detail(row);
}

/** Validates and stores a playbook (new or replacing the one of its name); PLAYBOOK_INVALID names every problem. */
export async function savePlaybook(
  store: Store,
  document: unknown,
  options: { sourceIntegration?: string; findAction?: ActionLookup; origin?: string } = {},
): Promise<PlaybookDetail> {
  const playbook = await validatePlaybook(document, options.findAction ?? platformActionLookup(store), options.origin);
  const values = {
    definition: JSON.stringify(playbook),
    enabled: playbook.enabled === false ? 0 : 1,
    source_integration: options.sourceIntegration ?? null,
    updated_at: Date.now(),
  };
  await store.db
    .insertInto("playbooks")
    .values({ name: playbook.name, parameters: "{}", ...values })
    .onConflict((conflict) => conflict.column("name").doUpdateSet(values))
    .execute();
  return getPlaybook(store, playbook.name);
}

export async function importPlaybookFile(
  store: Store,
  file: string,
  options: { sourceIntegration?: string; findAction?: ActionLookup } = {},
): Promise<PlaybookDetail> {
  let document: unknown;
  try {
    document = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PlaybookFile(`${file}: ${(error as Error).message}`);
  }
  return savePlaybook(store, document, { ...options, origin: file });
}

/** Turns a playbook on or off for new cases (runs under way go on). */
export async function setPlaybookEnabled(store: Store, name: string, enabled: boolean): Promise<void> {
  const updated = await store.db
    .updateTable("playbooks")
    .set({ enabled: enabled ? 1 : 0, updated_at: Date.now() })
    .where("name", "=", name)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new PlaybookNotFound(name);
}

export async function deletePlaybook(store: Store, name: string): Promise<void> {
  const deleted = await store.db.deleteFrom("playbooks").where("name", "=", name).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) throw new PlaybookNotFound(name);
}

/** Sets the values of a playbook's own parameters (as its document declares them); secrets encrypted, a password left out kept. */
export async function configurePlaybook(store: Store, name: string, values: Record<string, unknown>): Promise<PlaybookDetail> {
  const row = await store.db.selectFrom("playbooks").select(["definition", "parameters"]).where("name", "=", name).executeTakeFirst();
  if (!row) throw new PlaybookNotFound(name);
  const definitions = (JSON.parse(row.definition) as Playbook).parameters ?? [];
  const sealed = sealParameterValues(
    definitions,
    values,
    JSON.parse(row.parameters) as Record<string, ParameterValue>,
    openSecretBox(store.dataDir),
  );
  // Only here, on what admins set (now or before), not on the defaults: "Reply To Reporter" is "true" by default,
  // and a playbook configured for something else stays usable (its reply step says why it answers no one).
  const problems = requiredWhenProblems(definitions, sealed);
  if (problems.length) throw new ParameterError(problems.join("; "));
  await store.db
    .updateTable("playbooks")
    .set({ parameters: JSON.stringify(sealed), updated_at: Date.now() })
    .where("name", "=", name)
    .execute();
  return getPlaybook(store, name);
}

export interface StepView {
  id: string;
  /** Its kind's key ("action", "waitForAnswer"…): what the case wall shows it as. */
  kind: string;
  action: string;
  status: string;
  inputs: Record<string, string> | null;
  attempts: number;
  resultValue: unknown;
  json: unknown;
  message: string | null;
  logs: unknown[];
  error: { code: string; message: string } | null;
  actionRunId: number | null;
  approval: {
    prompt: string | null;
    decision: string | null;
    by: string | null;
    at: number | null;
    comment: string | null;
    dueAt: number | null;
  } | null;
  /** Until when a step waits (for the reporter's answer), when its kind waits. */
  dueAt?: number | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunView {
  id: number;
  playbook: string;
  caseId: number;
  status: string;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  steps: StepView[];
}

const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** A case's playbook runs, newest first, each with its steps in the playbook's order. */
export async function listCaseRuns(store: Store, caseId: number): Promise<RunView[]> {
  const runs = await store.db.selectFrom("playbook_runs").selectAll().where("case_id", "=", caseId).orderBy("id", "desc").execute();
  if (runs.length === 0) return [];
  const steps = await store.db
    .selectFrom("playbook_steps")
    .selectAll()
    .where(
      "run_id",
      "in",
      runs.map((run) => run.id),
    )
    .execute();
  return runs.map((run) => {
    const definition = JSON.parse(run.definition) as Playbook;
    const order = definition.steps.flatMap(jobStepsOf);
    const rows = new Map(steps.filter((step) => step.run_id === run.id).map((step) => [step.step_id, step]));
    // A text of a step (an approval's prompt) may name earlier steps' results.
    const results = new Map<string, StepResult>(
      [...rows.values()]
        .filter((row) => row.status === "completed")
        .map((row) => [
          row.step_id,
          {
            resultValue: row.result_value === null ? null : JSON.parse(row.result_value),
            json: row.result_json === null ? null : JSON.parse(row.result_json),
          },
        ]),
    );
    const resolve = (text: string) => resolvePlaceholders(text, { case: { id: run.case_id, title: "", priority: 0 }, steps: results });
    return {
      id: run.id,
      playbook: run.playbook,
      caseId: run.case_id,
      status: run.status,
      error: run.error,
      startedAt: run.started_at,
      finishedAt: run.finished_at,
      steps: order.flatMap((step) => {
        const row = rows.get(step.id);
        if (!row) return [];
        const kind = stepKindOf(step);
        return [
          {
            id: row.step_id,
            kind: kind.key,
            action: row.action,
            status: row.status,
            inputs: parsed(row.inputs) as Record<string, string> | null,
            attempts: row.attempts,
            resultValue: parsed(row.result_value),
            json: parsed(row.result_json),
            message: row.message,
            logs: (parsed(row.logs) as unknown[] | null) ?? [],
            error: parsed(row.error) as StepView["error"],
            actionRunId: row.action_run_id,
            approval: null,
            ...kind.view?.(step, row, resolve),
            startedAt: row.started_at,
            finishedAt: row.finished_at,
          },
        ];
      }),
    };
  });
}

/** Approves or rejects a step waiting for approval, with who decided. */
export async function decideApproval(
  store: Store,
  runId: number,
  stepId: string,
  decision: "approve" | "reject",
  actor: string,
  comment?: string,
): Promise<RunView> {
  const run = await store.db.selectFrom("playbook_runs").select(["id", "case_id"]).where("id", "=", runId).executeTakeFirst();
  if (!run) throw new PlaybookRunNotFound(`no playbook run ${runId}`);
  await createExecutor(store).decide(runId, stepId, decision, actor, comment);
  return (await listCaseRuns(store, run.case_id)).find((view) => view.id === runId)!;
}
