// The durable executor: each step a queue job; a step's result is stored, and the next step enqueued, in
// one transaction, so a process killed at any moment resumes where the store says without repeating a
// step that completed (and runAction returns the stored outcome of a key that completed: `pb:<run>:<step>`).
import type { Kysely, Transaction } from "kysely";
import type { Database, PlaybookStepStatus, PlaybookStepTable, Store } from "../store/index.js";
import { PlaybookApproval, PlaybookRunNotFound } from "../errors.js";
import type { Queue } from "../queue/index.js";
import { conditionPath, evaluateCondition } from "./conditions.js";
import { asText, valueAtPath, type StepResult } from "./placeholders.js";
import type { Condition, Playbook } from "./schema.js";
import type { RunActionFunction } from "./action-port.js";
import type { ActionLookup } from "./validate.js";
import { STEP_JOB, stepKey, type StepJob } from "./step-job.js";
import { jobStepsOf, stepKindOf, sweepStepKinds, type JobStep, type Step } from "./steps/index.js";

export { STEP_JOB, stepKey } from "./step-job.js";
const TERMINAL: ReadonlySet<PlaybookStepStatus> = new Set(["completed", "failed", "timed_out", "skipped", "rejected"]);
const FAILING: ReadonlySet<PlaybookStepStatus> = new Set(["failed", "timed_out", "rejected"]);

type Db = Kysely<Database> | Transaction<Database>;

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

/** Each job of a playbook by its step id, with the top-level step it belongs to (itself, or its group). */
function jobsById(playbook: Playbook): Map<string, { job: JobStep; top: Step }> {
  return new Map(playbook.steps.flatMap((top) => jobStepsOf(top).map((job) => [job.id, { job, top }] as const)));
}

/** Completed steps' results, as placeholders and conditions read them. */
function completedResults(rows: PlaybookStepTable[]): Map<string, StepResult> {
  return new Map(
    rows
      .filter((row) => row.status === "completed")
      .map((row) => [
        row.step_id,
        {
          resultValue: row.result_value === null ? null : JSON.parse(row.result_value),
          json: row.result_json === null ? null : JSON.parse(row.result_json),
        },
      ]),
  );
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

  constructor(
    readonly store: Store,
    readonly options: ExecutorOptions,
  ) {
    this.concurrency = options.concurrency ?? 3;
  }

  /** A transaction that takes SQLite's write lock first (waiting for it) rather than failing to upgrade later. */
  transaction<T>(runId: number, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("playbook_runs")
        .set((eb) => ({ status: eb.ref("status") }))
        .where("id", "=", runId)
        .execute();
      return work(trx);
    });
  }

  /** Starts a run of a playbook on a case inside the caller's transaction (once per playbook and case). */
  async startRun(trx: Transaction<Database>, playbook: Playbook, caseId: number): Promise<number | undefined> {
    const inserted = await trx
      .insertInto("playbook_runs")
      .values({
        playbook: playbook.name,
        case_id: caseId,
        status: "running",
        definition: JSON.stringify(playbook),
        error: null,
        started_at: Date.now(),
        finished_at: null,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) return undefined;
    await this.advance(trx, inserted.id);
    return inserted.id;
  }

  private async enqueue(db: Db, runId: number, step: JobStep, again?: string): Promise<void> {
    await this.options.queue.send<StepJob>(
      STEP_JOB,
      { runId, stepId: step.id },
      { singletonKey: again ? `${stepKey(runId, step.id)}:${again}` : stepKey(runId, step.id), db },
    );
  }

  /**
   * From the stored steps, what comes next: enqueues the steps due (a missing row is a step not yet
   * started), or ends the run. Called after every stored result, inside its transaction.
   */
  async advance(db: Db, runId: number): Promise<void> {
    const run = await db.selectFrom("playbook_runs").selectAll().where("id", "=", runId).executeTakeFirst();
    if (run?.status !== "running") return;
    const playbook = JSON.parse(run.definition) as Playbook;
    const rows = new Map(
      (await db.selectFrom("playbook_steps").selectAll().where("run_id", "=", runId).execute()).map((row) => [row.step_id, row]),
    );
    let index = 0;
    while (index < playbook.steps.length) {
      const step = playbook.steps[index]!;
      const members = jobStepsOf(step);
      let waiting = false;
      let stop: { status: "failed" | "stopped"; error: string } | undefined;
      for (const member of members) {
        const row = rows.get(member.id);
        if (!row) {
          const inserted = await db
            .insertInto("playbook_steps")
            .values({
              run_id: runId,
              step_id: member.id,
              action: stepKindOf(member).label(member),
              status: "pending",
              attempts: 0,
            } as PlaybookStepTable)
            .onConflict((conflict) => conflict.doNothing())
            .executeTakeFirst();
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
      // A step that is its own job may jump when skipped (a group's members have no else).
      const jump = (step as JobStep).else;
      if (rows.get(step.id)?.status === "skipped" && jump !== undefined) {
        if (jump === "end") break;
        index = playbook.steps.findIndex((candidate) => candidate.id === jump);
        continue;
      }
      index += 1;
    }
    await this.finish(db, runId, "completed", null);
  }

  private async finish(db: Db, runId: number, status: "completed" | "failed" | "stopped", error: string | null): Promise<void> {
    await db
      .updateTable("playbook_runs")
      .set({ status, error, finished_at: Date.now() })
      .where("id", "=", runId)
      .where("status", "=", "running")
      .execute();
  }

  /** Stores a step's values and, in the same transaction, what comes next. */
  async storeStep(runId: number, stepId: string, values: Partial<PlaybookStepTable>): Promise<void> {
    await this.transaction(runId, async (trx) => {
      await trx.updateTable("playbook_steps").set(values).where("run_id", "=", runId).where("step_id", "=", stepId).execute();
      await this.advance(trx, runId);
    });
    if (values.status) this.options.onStep?.({ runId, stepId, status: values.status });
  }

  /**
   * Stores a step's values only if it is still in status `from` (a wait ended by one sweeper, not two), and what
   * comes next; true when it did.
   */
  async settleStep(runId: number, stepId: string, from: PlaybookStepStatus, values: Partial<PlaybookStepTable>): Promise<boolean> {
    const settled = await this.transaction(runId, async (trx) => {
      const updated = await trx
        .updateTable("playbook_steps")
        .set(values)
        .where("run_id", "=", runId)
        .where("step_id", "=", stepId)
        .where("status", "=", from)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return false;
      await this.advance(trx, runId);
      return true;
    });
    if (settled && values.status) this.options.onStep?.({ runId, stepId, status: values.status });
    return settled;
  }

  /** A job's step of a playbook by its id (a top-level step, or a member of a group). */
  jobStep(playbook: Playbook, stepId: string): JobStep | undefined {
    return jobsById(playbook).get(stepId)?.job;
  }

  /** Runs one step job: its condition, then what its kind does (steps/), its result stored. */
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
    // Waiting for a person (an approval, an answer): a decision or a sweep moves it on, not a job.
    if (row.status === "waiting_approval" || row.status === "waiting") return undefined;
    const playbook = JSON.parse(run.definition) as Playbook;
    const found = jobsById(playbook).get(stepId);
    if (!found) return undefined;
    const now = Date.now();
    const results = completedResults(rows);
    if (found.job.when && !evaluateCondition(found.job.when, results)) {
      const message = skipReason(found.job.when, results);
      await this.storeStep(runId, stepId, { status: "skipped", started_at: now, finished_at: now, message });
      return "skipped";
    }
    return stepKindOf(found.top).run(found.top, { executor: this, run, playbook, row, job: found.job, results, now });
  }

  /** An analyst's (or the time limit's) decision on a step waiting for approval. */
  async decide(runId: number, stepId: string, decision: "approve" | "reject" | "stop", actor: string, comment?: string): Promise<void> {
    await this.transaction(runId, async (trx) => {
      const row = await trx
        .selectFrom("playbook_steps")
        .selectAll()
        .where("run_id", "=", runId)
        .where("step_id", "=", stepId)
        .executeTakeFirst();
      if (!row) throw new PlaybookRunNotFound(`playbook run ${runId} has no step "${stepId}"`);
      if (row.status !== "waiting_approval") throw new PlaybookApproval(stepId, runId, row.status);
      const now = Date.now();
      await trx
        .updateTable("playbook_steps")
        .set({
          approval_decision: decision,
          approval_by: actor,
          approval_at: now,
          approval_comment: comment ?? null,
          ...(decision === "approve" ? { status: "pending" } : { status: "rejected", finished_at: now }),
        })
        .where("run_id", "=", runId)
        .where("step_id", "=", stepId)
        .execute();
      if (decision === "approve")
        await this.options.queue.send<StepJob>(
          STEP_JOB,
          { runId, stepId },
          { singletonKey: `${stepKey(runId, stepId)}:approved`, db: trx },
        );
      else await this.advance(trx, runId);
    });
  }

  /** Each step kind's periodic work: approvals' and waits' time limits, answers come in. Returns how many moved on. */
  sweep(now = Date.now()): Promise<number> {
    return sweepStepKinds(this, now);
  }

  /** The sweep of every kind (approvals among them), under the name callers have known. */
  sweepApprovals(now = Date.now()): Promise<number> {
    return this.sweep(now);
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
