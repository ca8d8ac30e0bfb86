// Step kind "action": runs one action of an integration (its parameters' placeholders resolved), perhaps after an
// analyst's approval, retried as it says; its outcome stored. Sweep: approvals whose time is up.
import { z } from "zod";
import type { PlaybookStepTable } from "../../store/index.js";
import { PlaybookApproval } from "../../errors.js";
import type { ParameterDefinition } from "../../catalog/package.js";
import { openParameterValues, secretParameterNames, validateParameterValues, type ParameterValue } from "../../catalog/parameters.js";
import { SECRET_MARK } from "../../catalog/settings.js";
import { openSecretBox } from "../../secrets/index.js";
import { parsePlaceholders, resolvePlaceholders, type StepResult } from "../placeholders.js";
import type { StepActionOutcome } from "../action-port.js";
import type { PlaybookExecutor } from "../executor.js";
import type { Playbook } from "../schema.js";
import { bounded, STEP_JOB, stepKey, type StepJob } from "../step-job.js";
import { flowFields, MAX_TEXT, type StepCheck, type StepKind, type StepRun } from "./kind.js";

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
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30),
    onTimeout: z.enum(["reject", "approve", "stop"]),
  })
  .strict();

export const actionStepSchema = z
  .object({
    ...flowFields,
    action: z.string().max(200).refine(isActionReference, 'an action is "Integration/Action"'),
    params: z.record(z.string(), z.string().max(MAX_TEXT)).optional(),
    retries: z
      .object({ limit: z.number().int().min(0).max(10), backoffSeconds: z.number().min(0).max(3600) })
      .strict()
      .optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    approval: approvalSchema.optional(),
  })
  .strict();

export type ActionStep = z.infer<typeof actionStepSchema>;

export const actionStep: StepKind<ActionStep> = {
  name: "action",
  key: "action",
  schema: actionStepSchema,
  label: (step) => step.action,
  validate: checkActionStep,
  run: runActionStep,
  sweep: sweepApprovals,
  // A prompt may name earlier steps' results ("Move the [Step.search.JsonResult.found] copies found?").
  view: (step, row, resolve) =>
    step.approval
      ? {
          approval: {
            prompt: step.approval.prompt === undefined ? null : resolve(step.approval.prompt),
            decision: row.approval_decision,
            by: row.approval_by,
            at: row.approval_at,
            comment: row.approval_comment,
            dueAt: row.due_at,
          },
        }
      : {},
};

async function checkActionStep(step: ActionStep, index: number, { findAction, problems, earlier, declared }: StepCheck): Promise<void> {
  const where = `step "${step.id}"`;
  if (step.when) earlier(`${where}: when`, step.when.step, index);
  const params = step.params ?? {};
  const literals: Record<string, string> = {};
  for (const [name, text] of Object.entries(params)) {
    const found: string[] = [];
    const segments = parsePlaceholders(text, found);
    for (const problem of found) problems.push(`${where}: parameter "${name}": ${problem}`);
    for (const segment of segments) {
      if (!("placeholder" in segment)) continue;
      const { placeholder } = segment;
      if (placeholder.kind === "step") earlier(`${where}: parameter "${name}": ${segment.source}`, placeholder.step, index);
      if (placeholder.kind === "playbook" && !declared.has(placeholder.field))
        problems.push(`${where}: parameter "${name}": ${segment.source}: the playbook declares no parameter "${placeholder.field}"`);
    }
    if (segments.every((segment) => "text" in segment)) literals[name] = text;
  }
  const action = await findAction(step.action);
  if (!action) {
    problems.push(`${where}: unknown action "${step.action}"`);
    return;
  }
  const known = new Map(action.parameters.map((definition) => [definition.name, definition]));
  for (const name of Object.keys(params)) {
    if (!known.has(name))
      problems.push(`${where}: unknown parameter "${name}" of ${step.action} (known: ${[...known.keys()].join(", ") || "none"})`);
    // A file is named by an admin's saved configuration only: never a step's (a placeholder could name any path).
    else if (known.get(name)!.type === "file")
      problems.push(
        `${where}: file parameter "${name}" of ${step.action} may not be set by a playbook step` +
          (/\[[^\]]*\]/.test(String(params[name])) ? " (and never from a placeholder)" : ""),
      );
  }
  for (const definition of action.parameters) {
    if (definition.required && definition.default === undefined && !definition.requiredUnless && (params[definition.name] ?? "") === "") {
      problems.push(`${where}: missing required parameter "${definition.name}" of ${step.action}`);
    }
  }
  // Types of the literal values now; a value with placeholders is checked when the step runs.
  const typed: ParameterDefinition[] = action.parameters
    .filter((definition) => Object.hasOwn(literals, definition.name))
    .map((definition) => ({ ...definition, required: false }));
  try {
    validateParameterValues(typed, Object.fromEntries(Object.entries(literals).filter(([name]) => known.has(name))));
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
  }
}

/** Its approval, its action (retried as it says), its result stored. */
async function runActionStep(
  step: ActionStep,
  { executor, run, playbook, row, results, now }: StepRun,
): Promise<PlaybookStepTable["status"]> {
  const runId = run.id;
  const stepId = step.id;
  if (step.approval && !row.approval_decision) {
    const dueAt = now + step.approval.timeoutMinutes * 60_000;
    await executor.storeStep(runId, stepId, { status: "waiting_approval", due_at: dueAt, started_at: row.started_at ?? now });
    return "waiting_approval";
  }
  if (row.approval_decision === "reject" || row.approval_decision === "stop") {
    await executor.storeStep(runId, stepId, { status: "rejected", finished_at: now });
    return "rejected";
  }

  const { inputs, secrets } = await stepInputs(executor, run.case_id, playbook, step, results);
  const attempt = row.attempts + 1;
  await executor.store.db
    .updateTable("playbook_steps")
    .set({
      status: "running",
      attempts: attempt,
      inputs: JSON.stringify(await masked(executor, step, inputs, secrets)),
      started_at: row.started_at ?? now,
    })
    .where("run_id", "=", runId)
    .where("step_id", "=", stepId)
    .execute();
  const outcome = await runStepAction(executor, run.case_id, playbook.name, runId, step, inputs);
  const stored: Partial<PlaybookStepTable> = {
    result_value: bounded(outcome.resultValue),
    result_json: bounded(outcome.json ?? null),
    message: outcome.message,
    logs: bounded(outcome.logs),
    error: outcome.error ? JSON.stringify(outcome.error) : null,
    action_run_id: outcome.actionRunId,
  };
  if (outcome.status === "completed") {
    await executor.storeStep(runId, stepId, { ...stored, status: "completed", finished_at: Date.now() });
    return "completed";
  }
  if (step.retries && attempt <= step.retries.limit) {
    const delay = step.retries.backoffSeconds * 2 ** (attempt - 1) * 1000;
    await executor.transaction(runId, async (trx) => {
      await trx
        .updateTable("playbook_steps")
        .set({ ...stored, status: "pending" })
        .where("run_id", "=", runId)
        .where("step_id", "=", stepId)
        .execute();
      await executor.options.queue.send<StepJob>(
        STEP_JOB,
        { runId, stepId },
        { singletonKey: `${stepKey(runId, stepId)}:${attempt}`, startAfter: Date.now() + delay, db: trx },
      );
    });
    return "pending";
  }
  await executor.storeStep(runId, stepId, { ...stored, status: outcome.status, finished_at: Date.now() });
  return outcome.status;
}

async function runStepAction(
  executor: PlaybookExecutor,
  caseId: number,
  playbook: string,
  runId: number,
  step: ActionStep,
  params: Record<string, string>,
): Promise<StepActionOutcome> {
  const startedAt = Date.now();
  const signal = step.timeoutSeconds ? AbortSignal.timeout(step.timeoutSeconds * 1000) : undefined;
  try {
    const outcome = await executor.options.runAction(executor.store, {
      ...splitActionReference(step.action),
      caseId,
      params,
      actor: `playbook:${playbook}`,
      idempotencyKey: stepKey(runId, step.id),
      playbookRunId: runId,
      stepId: step.id,
      ...(signal ? { signal } : {}),
    });
    return signal?.aborted && outcome.status !== "completed" ? { ...outcome, status: "timed_out" } : outcome;
  } catch (error) {
    // Refused before it ran (an action removed since, a parameter that resolved to a bad value).
    const err = error as { code?: unknown; message?: unknown };
    return {
      actionRunId: null,
      status: "failed",
      resultValue: null,
      message: String(err?.message ?? error),
      json: null,
      logs: [],
      error: { code: typeof err?.code === "string" ? err.code : "ERROR", message: String(err?.message ?? error) },
      startedAt,
      finishedAt: Date.now(),
    };
  }
}

/** Inputs fit to store and show: the action's secret parameters, and any secret of the playbook's own, as ********. */
async function masked(
  executor: PlaybookExecutor,
  step: ActionStep,
  inputs: Record<string, string>,
  secrets: string[],
): Promise<Record<string, string>> {
  const secretNames = new Set(secretParameterNames((await executor.options.findAction?.(step.action))?.parameters ?? []));
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      name,
      secretNames.has(name) ? SECRET_MARK : secrets.reduce((text, secret) => text.replaceAll(secret, SECRET_MARK), value),
    ]),
  );
}

/** The step's parameters with their placeholders replaced, and the values of the playbook's secret parameters. */
async function stepInputs(
  executor: PlaybookExecutor,
  caseId: number,
  playbook: Playbook,
  step: ActionStep,
  steps: Map<string, StepResult>,
): Promise<{ inputs: Record<string, string>; secrets: string[] }> {
  const params = Object.entries(step.params ?? {});
  if (params.length === 0) return { inputs: {}, secrets: [] };
  const db = executor.store.db;
  const found = await db.selectFrom("cases").select(["id", "title", "priority"]).where("id", "=", caseId).executeTakeFirst();
  const event = await db
    .selectFrom("events")
    .innerJoin("alerts", "alerts.id", "events.alert_pk")
    .select("events.data")
    .where("alerts.case_id", "=", caseId)
    .orderBy("alerts.id")
    .orderBy("events.position")
    .limit(1)
    .executeTakeFirst();
  const configured = await db.selectFrom("playbooks").select("parameters").where("name", "=", playbook.name).executeTakeFirst();
  const definitions = playbook.parameters ?? [];
  const own = openParameterValues(
    definitions,
    configured ? (JSON.parse(configured.parameters) as Record<string, ParameterValue>) : {},
    openSecretBox(executor.store.dataDir),
  );
  const context = {
    case: found ?? { id: caseId, title: "", priority: 0 },
    ...(event ? { event: JSON.parse(event.data) as Record<string, unknown> } : {}),
    playbook: own,
    steps,
  };
  const secrets = secretParameterNames(definitions)
    .map((name) => own[name])
    .filter((value): value is string => typeof value === "string" && value !== "");
  return { inputs: Object.fromEntries(params.map(([name, text]) => [name, resolvePlaceholders(text, context)])), secrets };
}

/** Approvals whose time is up get what their step says: approve, reject or stop the run. */
async function sweepApprovals(executor: PlaybookExecutor, now: number): Promise<number> {
  const due = await executor.store.db
    .selectFrom("playbook_steps")
    .innerJoin("playbook_runs", "playbook_runs.id", "playbook_steps.run_id")
    .select(["playbook_steps.run_id", "playbook_steps.step_id", "playbook_runs.definition"])
    .where("playbook_steps.status", "=", "waiting_approval")
    .where("playbook_steps.due_at", "<=", now)
    .execute();
  for (const row of due) {
    const step = executor.jobStep(JSON.parse(row.definition) as Playbook, row.step_id) as ActionStep | undefined;
    const onTimeout = step?.approval?.onTimeout ?? "reject";
    try {
      await executor.decide(row.run_id, row.step_id, onTimeout, "timeout");
    } catch (error) {
      // Decided by someone in the meantime.
      if (!(error instanceof PlaybookApproval)) throw error;
    }
  }
  return due.length;
}
