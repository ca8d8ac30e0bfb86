// The durable executor: each step a queue job; a step's result is stored, and the next step enqueued, in
// one transaction, so a process killed at any moment resumes where the store says without repeating a
// step that completed (and runAction returns the stored outcome of a key that completed: `pb:<run>:<step>`).
import type { Kysely, Transaction } from "kysely";
import type { Database, PlaybookStepStatus, PlaybookStepTable, Store } from "../store/index.js";
import { PlaybookApproval, PlaybookRunNotFound } from "../errors.js";
import type { Queue } from "../queue/index.js";
import { conditionPath, evaluateCondition } from "./conditions.js";
import { asText, resolvePlaceholders, valueAtPath, type StepResult } from "./placeholders.js";
import { isParallel, splitActionReference, type ActionStep, type Condition, type Playbook } from "./schema.js";
import type { RunActionFunction, StepActionOutcome } from "./action-port.js";
import type { ActionLookup } from "./validate.js";
import { openParameterValues, secretParameterNames, type ParameterValue } from "../catalog/parameters.js";
import { SECRET_MARK } from "../catalog/settings.js";
import { openSecretBox } from "../secrets/index.js";

export const STEP_JOB = "playbook-step";
const TERMINAL: ReadonlySet<PlaybookStepStatus> = new Set(["completed", "failed", "timed_out", "skipped", "rejected"]);
const FAILING: ReadonlySet<PlaybookStepStatus> = new Set(["failed", "timed_out", "rejected"]);
/** Bytes kept of a step's JSON result and logs. */
const MAX_STORED = 256 * 1024;

type Db = Kysely<Database> | Transaction<Database>;

interface StepJob {
  runId: number;
  stepId: string;
}

export interface ExecutorOptions {
  queue: Queue;
  runAction: RunActionFunction;
  /** The action's parameter definitions: its secret ones are stored masked in a step's inputs. */
  findAction?: ActionLookup;
  /** Steps run at once by drain and the worker loop. */
  concurrency?: number;
  onStep?: (event: { runId: number; stepId: string; status: PlaybookStepStatus }) => void;
}

export interface DrainSummary {
  runs: number;
  steps: number;
  failed: number;
}

export function stepKey(runId: number, stepId: string): string {
  return `pb:${runId}:${stepId}`;
}

/** Every action step of a playbook by id, with its top-level position. */
function stepsById(playbook: Playbook): Map<string, ActionStep> {
  return new Map(playbook.steps.flatMap((step) => (isParallel(step) ? step.parallel : [step])).map((step) => [step.id, step]));
}

function bounded(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > MAX_STORED ? JSON.stringify({ truncated: true, size: text.length }) : text;
}

/** Completed steps' results, as placeholders and conditions read them. */
function completedResults(rows: PlaybookStepTable[]): Map<string, StepResult> {
  return new Map(rows.filter((row) => row.status === "completed").map((row) => [row.step_id, {
    resultValue: row.result_value === null ? null : JSON.parse(row.result_value),
    json: row.result_json === null ? null : JSON.parse(row.result_json),
  }]));
}

/** Why a step was skipped: the condition and the value it read (an earlier step may have said why, e.g. "not configured"). */
function skipReason(condition: Condition, results: ReadonlyMap<string, StepResult>): string {
  const result = results.get(condition.step);
  if (!result) return `condition on step "${condition.step}" not met`;
  const path = conditionPath(condition);
  const value = asText(path ? valueAtPath(result.json, path) : result.resultValue).slice(0, 200);
  return `condition on step "${condition.step}" not met (${path ? path.join(".") : "result value"} is ${JSON.stringify(value)})`;
}

export class PlaybookExecutor {
  private readonly concurrency: number;

  constructor(private readonly store: Store, private readonly options: ExecutorOptions) {
    this.concurrency = options.concurrency ?? 3;
  }

  /** A transaction that takes SQLite's write lock first (waiting for it) rather than failing to upgrade later. */
  private transaction<T>(runId: number, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.store.db.transaction().execute(async (trx) => {
      await trx.updateTable("playbook_runs").set((eb) => ({ status: eb.ref("status") })).where("id", "=", runId).execute();
      return work(trx);
    });
  }

  /** Starts a run of a playbook on a case inside the caller's transaction (once per playbook and case). */
  async startRun(trx: Transaction<Database>, playbook: Playbook, caseId: number): Promise<number | undefined> {
    const inserted = await trx.insertInto("playbook_runs")
      .values({ playbook: playbook.name, case_id: caseId, status: "running", definition: JSON.stringify(playbook), error: null, started_at: Date.now(), finished_at: null })
      .onConflict((conflict) => conflict.doNothing()).returning("id").executeTakeFirst();
    if (!inserted) return undefined;
    await this.advance(trx, inserted.id);
    return inserted.id;
  }

  private async enqueue(db: Db, runId: number, step: ActionStep, again?: string): Promise<void> {
    await this.options.queue.send<StepJob>(STEP_JOB, { runId, stepId: step.id }, { singletonKey: again ? `${stepKey(runId, step.id)}:${again}` : stepKey(runId, step.id), db });
  }

  /**
   * From the stored steps, what comes next: enqueues the steps due (a missing row is a step not yet
   * started), or ends the run. Called after every stored result, inside its transaction.
   */
  async advance(db: Db, runId: number): Promise<void> {
    const run = await db.selectFrom("playbook_runs").selectAll().where("id", "=", runId).executeTakeFirst();
    if (!run || run.status !== "running") return;
    const playbook = JSON.parse(run.definition) as Playbook;
    const rows = new Map((await db.selectFrom("playbook_steps").selectAll().where("run_id", "=", runId).execute()).map((row) => [row.step_id, row]));
    let index = 0;
    while (index < playbook.steps.length) {
      const step = playbook.steps[index]!;
      const members = isParallel(step) ? step.parallel : [step];
      let waiting = false;
      let stop: { status: "failed" | "stopped"; error: string } | undefined;
      for (const member of members) {
        const row = rows.get(member.id);
        if (!row) {
          const inserted = await db.insertInto("playbook_steps")
            .values({ run_id: runId, step_id: member.id, action: member.action, status: "pending", attempts: 0 } as PlaybookStepTable)
            .onConflict((conflict) => conflict.doNothing()).executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) await this.enqueue(db, runId, member);
          waiting = true;
        } else if (!TERMINAL.has(row.status)) {
          waiting = true;
        } else if (row.approval_decision === "stop") {
          stop = { status: "stopped", error: `step "${member.id}": its approval was not given in time` };
        } else if (FAILING.has(row.status) && (member.onFailure ?? "stop") === "stop") {
          stop ??= { status: row.status === "rejected" ? "stopped" : "failed", error: `step "${member.id}" ${row.status}` };
        }
      }
      if (waiting) return;
      if (stop) return this.finish(db, runId, stop.status, stop.error);
      if (!isParallel(step) && rows.get(step.id)!.status === "skipped" && step.else !== undefined) {
        if (step.else === "end") break;
        index = playbook.steps.findIndex((candidate) => candidate.id === step.else);
        continue;
      }
      index += 1;
    }
    await this.finish(db, runId, "completed", null);
  }

  private async finish(db: Db, runId: number, status: "completed" | "failed" | "stopped", error: string | null): Promise<void> {
    await db.updateTable("playbook_runs").set({ status, error, finished_at: Date.now() }).where("id", "=", runId).where("status", "=", "running").execute();
  }

  private async storeStep(runId: number, stepId: string, values: Partial<PlaybookStepTable>): Promise<void> {
    await this.transaction(runId, async (trx) => {
      await trx.updateTable("playbook_steps").set(values).where("run_id", "=", runId).where("step_id", "=", stepId).execute();
      await this.advance(trx, runId);
    });
    if (values.status) this.options.onStep?.({ runId, stepId, status: values.status });
  }

  /** Runs one step job: its condition, its approval, its action (retried as it says), its result stored. */
  async handle(job: StepJob): Promise<PlaybookStepStatus | undefined> {
    const { runId, stepId } = job;
    const run = await this.store.db.selectFrom("playbook_runs").selectAll().where("id", "=", runId).executeTakeFirst();
    const rows = await this.store.db.selectFrom("playbook_steps").selectAll().where("run_id", "=", runId).execute();
    const row = rows.find((candidate) => candidate.step_id === stepId);
    if (!run || !row || run.status !== "running") return undefined;
    if (TERMINAL.has(row.status)) {
      // Stored before the process died, the next step perhaps not enqueued (a queue outside the store).
      await this.transaction(runId, (trx) => this.advance(trx, runId));
      return undefined;
    }
    if (row.status === "waiting_approval") return undefined;
    const playbook = JSON.parse(run.definition) as Playbook;
    const step = stepsById(playbook).get(stepId);
    if (!step) return undefined;
    const now = Date.now();
    const results = completedResults(rows);
    if (step.when && !evaluateCondition(step.when, results)) {
      await this.storeStep(runId, stepId, { status: "skipped", started_at: now, finished_at: now, message: skipReason(step.when, results) });
      return "skipped";
    }
    if (step.approval && !row.approval_decision) {
      const dueAt = now + step.approval.timeoutMinutes * 60_000;
      await this.storeStep(runId, stepId, { status: "waiting_approval", due_at: dueAt, started_at: row.started_at ?? now });
      return "waiting_approval";
    }
    if (row.approval_decision === "reject" || row.approval_decision === "stop") {
      await this.storeStep(runId, stepId, { status: "rejected", finished_at: now });
      return "rejected";
    }

    const { inputs, secrets } = await this.inputs(run.case_id, playbook, step, results);
    const attempt = row.attempts + 1;
    await this.store.db.updateTable("playbook_steps").set({ status: "running", attempts: attempt, inputs: JSON.stringify(await this.masked(step, inputs, secrets)), started_at: row.started_at ?? now })
      .where("run_id", "=", runId).where("step_id", "=", stepId).execute();
    const outcome = await this.runStepAction(run.case_id, playbook.name, runId, step, inputs);
    const stored: Partial<PlaybookStepTable> = {
      result_value: bounded(outcome.resultValue), result_json: bounded(outcome.json ?? null), message: outcome.message, logs: bounded(outcome.logs),
      error: outcome.error ? JSON.stringify(outcome.error) : null, action_run_id: outcome.actionRunId,
    };
    if (outcome.status === "completed") {
      await this.storeStep(runId, stepId, { ...stored, status: "completed", finished_at: Date.now() });
      return "completed";
    }
    if (step.retries && attempt <= step.retries.limit) {
      const delay = step.retries.backoffSeconds * 2 ** (attempt - 1) * 1000;
      await this.transaction(runId, async (trx) => {
        await trx.updateTable("playbook_steps").set({ ...stored, status: "pending" }).where("run_id", "=", runId).where("step_id", "=", stepId).execute();
        await this.options.queue.send<StepJob>(STEP_JOB, { runId, stepId }, { singletonKey: `${stepKey(runId, stepId)}:${attempt}`, startAfter: Date.now() + delay, db: trx });
      });
      return "pending";
    }
    await this.storeStep(runId, stepId, { ...stored, status: outcome.status, finished_at: Date.now() });
    return outcome.status;
  }

  private async runStepAction(caseId: number, playbook: string, runId: number, step: ActionStep, params: Record<string, string>): Promise<StepActionOutcome> {
    const startedAt = Date.now();
    const signal = step.timeoutSeconds ? AbortSignal.timeout(step.timeoutSeconds * 1000) : undefined;
    try {
      const outcome = await this.options.runAction(this.store, {
        ...splitActionReference(step.action), caseId, params,
        actor: `playbook:${playbook}`, idempotencyKey: stepKey(runId, step.id), playbookRunId: runId, stepId: step.id, ...(signal ? { signal } : {}),
      });
      return signal?.aborted && outcome.status !== "completed" ? { ...outcome, status: "timed_out" } : outcome;
    } catch (error) {
      // Refused before it ran (an action removed since, a parameter that resolved to a bad value).
      const err = error as { code?: unknown; message?: unknown };
      return {
        actionRunId: null, status: "failed", resultValue: null, message: String(err?.message ?? error), json: null, logs: [],
        error: { code: typeof err?.code === "string" ? err.code : "ERROR", message: String(err?.message ?? error) }, startedAt, finishedAt: Date.now(),
      };
    }
  }

  /** Inputs fit to store and show: the action's secret parameters, and any secret of the playbook's own, as ********. */
  private async masked(step: ActionStep, inputs: Record<string, string>, secrets: string[]): Promise<Record<string, string>> {
    const secretNames = new Set(secretParameterNames((await this.options.findAction?.(step.action))?.parameters ?? []));
    return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [
      name, secretNames.has(name) ? SECRET_MARK : secrets.reduce((text, secret) => text.replaceAll(secret, SECRET_MARK), value),
    ]));
  }

  /** The step's parameters with their placeholders replaced, and the values of the playbook's secret parameters. */
  private async inputs(caseId: number, playbook: Playbook, step: ActionStep, steps: Map<string, StepResult>): Promise<{ inputs: Record<string, string>; secrets: string[] }> {
    const params = Object.entries(step.params ?? {});
    if (params.length === 0) return { inputs: {}, secrets: [] };
    const found = await this.store.db.selectFrom("cases").select(["id", "title", "priority"]).where("id", "=", caseId).executeTakeFirst();
    const event = await this.store.db.selectFrom("events").innerJoin("alerts", "alerts.id", "events.alert_pk").select("events.data")
      .where("alerts.case_id", "=", caseId).orderBy("alerts.id").orderBy("events.position").limit(1).executeTakeFirst();
    const configured = await this.store.db.selectFrom("playbooks").select("parameters").where("name", "=", playbook.name).executeTakeFirst();
    const definitions = playbook.parameters ?? [];
    const own = openParameterValues(definitions, configured ? JSON.parse(configured.parameters) as Record<string, ParameterValue> : {}, openSecretBox(this.store.dataDir));
    const context = { case: found ?? { id: caseId, title: "", priority: 0 }, ...(event ? { event: JSON.parse(event.data) as Record<string, unknown> } : {}), playbook: own, steps };
    const secrets = secretParameterNames(definitions).map((name) => own[name]).filter((value): value is string => typeof value === "string" && value !== "");
    return { inputs: Object.fromEntries(params.map(([name, text]) => [name, resolvePlaceholders(text, context)])), secrets };
  }

  /** An analyst's (or the time limit's) decision on a step waiting for approval. */
  async decide(runId: number, stepId: string, decision: "approve" | "reject" | "stop", actor: string, comment?: string): Promise<void> {
    await this.transaction(runId, async (trx) => {
      const row = await trx.selectFrom("playbook_steps").selectAll().where("run_id", "=", runId).where("step_id", "=", stepId).executeTakeFirst();
      if (!row) throw new PlaybookRunNotFound(`playbook run ${runId} has no step "${stepId}"`);
      if (row.status !== "waiting_approval") throw new PlaybookApproval(stepId, runId, row.status);
      const now = Date.now();
      await trx.updateTable("playbook_steps")
        .set({ approval_decision: decision, approval_by: actor, approval_at: now, approval_comment: comment ?? null, ...(decision === "approve" ? { status: "pending" } : { status: "rejected", finished_at: now }) })
        .where("run_id", "=", runId).where("step_id", "=", stepId).execute();
      if (decision === "approve") await this.options.queue.send<StepJob>(STEP_JOB, { runId, stepId }, { singletonKey: `${stepKey(runId, stepId)}:approved`, db: trx });
      else await this.advance(trx, runId);
    });
  }

  /** Approvals whose time is up get what their step says: approve, reject or stop the run. */
  async sweepApprovals(now = Date.now()): Promise<number> {
    const due = await this.store.db.selectFrom("playbook_steps").innerJoin("playbook_runs", "playbook_runs.id", "playbook_steps.run_id")
      .select(["playbook_steps.run_id", "playbook_steps.step_id", "playbook_runs.definition"])
      .where("playbook_steps.status", "=", "waiting_approval").where("playbook_steps.due_at", "<=", now).execute();
    for (const row of due) {
      const step = stepsById(JSON.parse(row.definition) as Playbook).get(row.step_id);
      const onTimeout = step?.approval?.onTimeout ?? "reject";
      try {
        await this.decide(row.run_id, row.step_id, onTimeout, "timeout");
      } catch (error) {
        // Decided by someone in the meantime.
        if (!(error instanceof PlaybookApproval)) throw error;
      }
    }
    return due.length;
  }

  /**
   * Runs step jobs until none is left but approvals (waiting for retries' backoff): the jobs of a killed
   * process first put back. Returns what it did.
   */
  async drain(options: { stopWhenIdle?: boolean; signal?: AbortSignal; beforeEach?: () => Promise<void> } = {}): Promise<DrainSummary> {
    const queue = this.options.queue;
    const runs = new Set<number>();
    const summary: DrainSummary = { runs: 0, steps: 0, failed: 0 };
    await queue.recover(STEP_JOB);
    const worker = async () => {
      for (;;) {
        if (options.signal?.aborted) return;
        await options.beforeEach?.();
        const [job] = await queue.fetch<StepJob>(STEP_JOB);
        if (!job) {
          const size = await queue.size(STEP_JOB);
          if (size.ready > 0) continue;
          if (options.stopWhenIdle !== false && size.active === 0 && size.delayed === 0) return;
          const wait = size.nextAt ? Math.max(50, Math.min(size.nextAt - Date.now(), 1000)) : 500;
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        try {
          runs.add(job.data.runId);
          const status = await this.handle(job.data);
          if (status && TERMINAL.has(status)) summary.steps += 1;
          if (status && FAILING.has(status) && status !== "rejected") summary.failed += 1;
          await queue.complete(STEP_JOB, job.id);
        } catch (error) {
          await queue.fail(STEP_JOB, job.id, error);
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    summary.runs = runs.size;
    return summary;
  }
}
