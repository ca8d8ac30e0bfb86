// The embedded queue, and the executor's engine logic with a runner of the test's own (no action code): order, conditions and
// else, parallel groups, retries with backoff, approvals, the trigger and its sweep, secrets, resume after a death; migration 0013.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import {
  configurePlaybook,
  createExecutor,
  decideApproval,
  getPlaybook,
  listCaseRuns,
  savePlaybook,
  stepKey,
  sweepTriggers,
  STEP_JOB,
  type ActionLookup,
  type RunActionFunction,
} from "../src/platform/playbooks/index.js";
import { EmbeddedQueue } from "../src/platform/queue/index.js";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { migrateUntil } from "./support/engine-migrations.js";
import { insertAlert, insertCase, reportsConnectorId } from "./support/seed.js";

let store: Store;
const findAction: ActionLookup = async (reference) =>
  reference.startsWith("test/")
    ? {
        parameters: [
          { name: "Value", type: "string", required: false },
          { name: "Token", type: "password", required: false },
        ] as never,
      }
    : undefined;

interface Call {
  action: string;
  params: Record<string, unknown> | undefined;
  key: string | undefined;
}

/** Answers by action name: Echo returns its Value, Fail fails, Flaky fails its first two calls. */
function runner(calls: Call[]): RunActionFunction {
  let flaky = 0;
  return async (_store, request) => {
    calls.push({ action: request.action, params: request.params, key: request.idempotencyKey });
    const now = Date.now();
    const fail = request.action === "Fail" || (request.action === "Flaky" && ++flaky <= 2);
    return {
      actionRunId: null,
      status: fail ? "failed" : "completed",
      resultValue: fail ? null : String(request.params?.Value ?? "true"),
      message: fail ? "no" : "ok",
      json: { value: request.params?.Value ?? null },
      logs: [],
      ...(fail ? { error: { code: "ACTION_FAILED", message: "no" } } : {}),
      startedAt: now,
      finishedAt: now,
    };
  };
}

async function addCase(title: string, priority = 60): Promise<number> {
  const connectorId = await reportsConnectorId(store.db);
  const caseId = await insertCase(store.db, title, priority);
  await insertAlert(
    store.db,
    {
      case_id: caseId,
      connector_id: connectorId,
      alert_id: `a${caseId}`,
      name: title,
      priority,
      vendor: "v",
      rule_generator: "r",
      environment: "Default",
    },
    { event_type: "e", data: JSON.stringify({ subject: `subject of ${title}` }) },
  );
  return caseId;
}

let postgres: Postgres;
let databases = 0;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());
afterEach(() => store?.close());

describe.each(["sqlite", "postgres"])("the executor on %s", (dialect) => {
  beforeEach(async () => {
    store = await openStore(
      dialect === "postgres"
        ? postgres.createDatabase(`playbooks${++databases}`)
        : path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-playbooks-")), "intake.db"),
    );
  });

  it("runs steps in order, takes the else path of a false condition, runs a parallel group and resolves placeholders", async () => {
    await savePlaybook(
      store,
      {
        name: "flow",
        trigger: { event: "case_created", connector: "reports", priority: 60 },
        steps: [
          { id: "first", action: "test/Echo", params: { Value: "[Event.subject]" } },
          { id: "never", action: "test/Echo", when: { step: "first", equals: "nope" }, else: "group" },
          { id: "jumped", action: "test/Echo" },
          {
            id: "group",
            parallel: [
              { id: "p1", action: "test/Echo", params: { Value: "one [Case.Title]" } },
              { id: "p2", action: "test/Fail", onFailure: "continue" },
            ],
          },
          { id: "last", action: "test/Echo", params: { Value: "[Step.p1.ResultValue]|[Step.first.JsonResult.value]" } },
        ],
      },
      { findAction },
    );
    const low = await addCase("low", 40);
    const caseId = await addCase("case one");
    const calls: Call[] = [];
    const executor = createExecutor(store, { runAction: runner(calls) });
    expect(await sweepTriggers(store, executor)).toBe(1);
    expect(await sweepTriggers(store, executor)).toBe(0);
    expect(await executor.drain()).toEqual({ runs: 1, steps: 5, failed: 1 });

    expect(await listCaseRuns(store, low)).toEqual([]);
    const [run] = await listCaseRuns(store, caseId);
    expect(run!.status).toBe("completed");
    expect(run!.steps.map((step) => [step.id, step.status, step.resultValue])).toEqual([
      ["first", "completed", "subject of case one"],
      ["never", "skipped", null],
      ["p1", "completed", "one case one"],
      ["p2", "failed", null],
      ["last", "completed", "one case one|subject of case one"],
    ]);
    expect(calls.map((call) => call.key)).toContain(stepKey(run!.id, "last"));
    expect(calls.filter((call) => call.action === "Echo")).toHaveLength(3);
  });

  it("matches every case once; a worker's later sweeps start above the cases settled long ago", async () => {
    await savePlaybook(
      store,
      { name: "all", trigger: { event: "case_created" }, steps: [{ id: "one", action: "test/Echo" }] },
      { findAction },
    );
    const old = await addCase("old");
    await store.db
      .updateTable("cases")
      .set({ created_at: Date.now() - 3600_000 })
      .where("id", "=", old)
      .execute();
    const recent = await addCase("recent");
    const executor = createExecutor(store, { runAction: runner([]) });
    const mark = { after: 0 };
    expect(await sweepTriggers(store, executor, mark)).toBe(2);
    expect(mark.after).toBe(old);
    const later = await addCase("later");
    expect(await sweepTriggers(store, executor, mark)).toBe(1);
    expect(await store.db.selectFrom("playbook_runs").select("case_id").orderBy("case_id").execute()).toEqual([
      { case_id: old },
      { case_id: recent },
      { case_id: later },
    ]);
  });

  it("keeps the playbook's secret parameters encrypted and never shows a secret in a step's inputs", async () => {
    await savePlaybook(
      store,
      {
        name: "secret",
        trigger: { event: "case_created" },
        parameters: [
          { name: "Api Key", type: "password", required: false },
          { name: "Team", type: "string", required: false, default: "soc" },
        ],
        steps: [
          { id: "call", action: "test/Echo", params: { Value: "key=[Playbook.Api Key] team=[Playbook.Team]", Token: "literal-secret" } },
        ],
      },
      { findAction },
    );
    await configurePlaybook(store, "secret", { "Api Key": "s3cr3t-value" });
    expect((await getPlaybook(store, "secret")).parameters).toEqual({ "Api Key": "********", Team: "soc" });
    expect(
      (await store.db.selectFrom("playbooks").select("parameters").where("name", "=", "secret").executeTakeFirstOrThrow()).parameters,
    ).not.toContain("s3cr3t");
    // A password left out keeps the stored one.
    await configurePlaybook(store, "secret", { Team: "red" });
    const caseId = await addCase("secrets");
    const calls: Call[] = [];
    const executor = createExecutor(store, { runAction: runner(calls), findAction });
    await sweepTriggers(store, executor);
    await executor.drain();
    expect(calls[0]!.params).toEqual({ Value: "key=s3cr3t-value team=red", Token: "literal-secret" });
    const [run] = await listCaseRuns(store, caseId);
    expect(run!.steps[0]!.inputs).toEqual({ Value: "key=******** team=red", Token: "********" });
  });

  it("stops the run at a failed step, retries with backoff before that", async () => {
    await savePlaybook(
      store,
      {
        name: "retry",
        trigger: { event: "case_created" },
        steps: [
          { id: "flaky", action: "test/Flaky", retries: { limit: 2, backoffSeconds: 0.2 } },
          { id: "fails", action: "test/Fail" },
          { id: "after", action: "test/Echo" },
        ],
      },
      { findAction },
    );
    const caseId = await addCase("retried");
    const calls: Call[] = [];
    const executor = createExecutor(store, { runAction: runner(calls) });
    await sweepTriggers(store, executor);
    const started = Date.now();
    await executor.drain();
    // Backoff 0.2 s then 0.4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const [run] = await listCaseRuns(store, caseId);
    expect(run!.status).toBe("failed");
    expect(run!.steps.map((step) => [step.id, step.status, step.attempts])).toEqual([
      ["flaky", "completed", 3],
      ["fails", "failed", 1],
    ]);
    expect(calls.map((call) => call.action)).toEqual(["Flaky", "Flaky", "Flaky", "Fail"]);
  });

  it("waits for an approval durably, records who decided, and applies the time limit's choice", async () => {
    await savePlaybook(
      store,
      {
        name: "approve",
        trigger: { event: "case_created" },
        steps: [
          { id: "ask", action: "test/Echo", approval: { prompt: "Block?", timeoutMinutes: 5, onTimeout: "stop" } },
          { id: "done", action: "test/Echo" },
        ],
      },
      { findAction },
    );
    const approved = await addCase("approved");
    const rejected = await addCase("rejected");
    const expired = await addCase("expired");
    const calls: Call[] = [];
    const executor = createExecutor(store, { runAction: runner(calls) });
    await sweepTriggers(store, executor);
    expect(await executor.drain()).toMatchObject({ steps: 0 });
    expect(calls).toEqual([]);
    const [waiting] = await listCaseRuns(store, approved);
    expect(waiting!.steps[0]).toMatchObject({ status: "waiting_approval", approval: { prompt: "Block?", decision: null } });

    await decideApproval(store, waiting!.id, "ask", "approve", "ada", "go");
    await expect(decideApproval(store, waiting!.id, "ask", "reject", "bob")).rejects.toMatchObject({ code: "PLAYBOOK_APPROVAL" });
    const rejectedRun = (await listCaseRuns(store, rejected))[0]!;
    await decideApproval(store, rejectedRun.id, "ask", "reject", "bob");
    await executor.sweepApprovals(Date.now() + 6 * 60_000);
    await executor.drain();

    const [done] = await listCaseRuns(store, approved);
    expect(done!.status).toBe("completed");
    expect(done!.steps[0]!.approval).toMatchObject({ decision: "approve", by: "ada", comment: "go" });
    expect(done!.steps[0]!.approval!.at).toBeGreaterThan(0);
    expect((await listCaseRuns(store, rejected))[0]).toMatchObject({
      status: "stopped",
      steps: [{ status: "rejected", approval: { decision: "reject", by: "bob" } }],
    });
    expect((await listCaseRuns(store, expired))[0]).toMatchObject({
      status: "stopped",
      steps: [{ status: "rejected", approval: { decision: "stop", by: "timeout" } }],
    });
    expect(calls).toHaveLength(2);
  });

  it("resumes a step whose worker died, without repeating the steps that completed", async () => {
    await savePlaybook(
      store,
      {
        name: "resume",
        trigger: { event: "case_created" },
        steps: [
          { id: "one", action: "test/Echo" },
          { id: "two", action: "test/Echo" },
        ],
      },
      { findAction },
    );
    const caseId = await addCase("resumed");
    const calls: Call[] = [];
    const executor = createExecutor(store, { runAction: runner(calls) });
    await sweepTriggers(store, executor);
    // A worker takes step one, then dies (an owner whose process does not exist).
    const dead = new EmbeddedQueue(store);
    Object.assign(dead, { owner: `${os.hostname()}:999999999:dead:1` });
    const [job] = await dead.fetch<{ runId: number; stepId: string }>(STEP_JOB);
    await executor.handle(job!.data);
    expect(calls).toHaveLength(1);
    // Its job stays active; step two was enqueued with step one's result.
    expect(await executor.drain()).toMatchObject({ steps: 1 });
    const [run] = await listCaseRuns(store, caseId);
    expect(run!.steps.map((step) => [step.id, step.status, step.attempts])).toEqual([
      ["one", "completed", 1],
      ["two", "completed", 1],
    ]);
    expect(calls.map((call) => call.key)).toEqual([stepKey(run!.id, "one"), stepKey(run!.id, "two")]);
  });
});

describe.each(["sqlite", "postgres"])("the embedded queue on %s", (dialect) => {
  beforeEach(async () => {
    store = await openStore(
      dialect === "postgres"
        ? postgres.createDatabase(`queue${++databases}`)
        : path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-queue-")), "intake.db"),
    );
  });

  it("keeps one job of a key waiting or under way, hands each job to one worker, retries with backoff and puts back a \
dead worker's job", async () => {
    const queue = new EmbeddedQueue(store);
    const other = new EmbeddedQueue(store);
    expect(await queue.send("q", { n: 1 }, { singletonKey: "k", retryLimit: 1, retryDelay: 1, retryBackoff: true })).not.toBeNull();
    expect(await queue.send("q", { n: 2 }, { singletonKey: "k" })).toBeNull();
    expect(await queue.send("q", { n: 3 }, { startAfter: Date.now() + 60_000 })).not.toBeNull();
    const [taken, none] = await Promise.all([queue.fetch<{ n: number }>("q"), other.fetch("q")]);
    expect(taken!.map((job) => job.data)).toEqual([{ n: 1 }]);
    expect(none).toEqual([]);
    expect(await queue.send("q", { n: 4 }, { singletonKey: "k" })).toBeNull();
    expect(await queue.size("q")).toMatchObject({ ready: 0, delayed: 1, active: 1 });

    await queue.fail("q", taken![0]!.id, new Error("first"));
    expect(await queue.size("q")).toMatchObject({ ready: 0, delayed: 2, active: 0 });
    await store.db.updateTable("queue_jobs").set({ start_after: 0 }).where("id", "=", Number(taken![0]!.id)).execute();
    const [retried] = await queue.fetch<{ n: number }>("q");
    expect(retried).toMatchObject({ data: { n: 1 }, retryCount: 1 });
    // Another worker of this machine that is gone (no such pid) took it: recover puts it back; a live one keeps it.
    expect(await other.recover("q")).toBe(0);
    await store.db
      .updateTable("queue_jobs")
      .set({ owner: `${os.hostname()}:999999999:dead:1` })
      .where("id", "=", Number(retried!.id))
      .execute();
    expect(await other.recover("q")).toBe(1);
    expect((await other.fetch("q")).map((job) => job.id)).toEqual([retried!.id]);
    await other.fail("q", retried!.id, new Error("second"));
    expect(
      await store.db.selectFrom("queue_jobs").select(["state", "output"]).where("id", "=", Number(retried!.id)).executeTakeFirst(),
    ).toEqual({ state: "failed", output: '{"message":"second"}' });
    expect(await queue.send("q", { n: 5 }, { singletonKey: "k" })).not.toBeNull();
  });
});

describe("migration 0013", () => {
  it("counts the cases stored before playbooks existed as matched: they start no playbook", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-0013-")), "old.db");
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    await migrateUntil(old, "sqlite", "0013_playbooks");
    await old.destroy();
    const raw = new Database(file);
    raw
      .prepare("insert into cases (title, priority, status, environment, created_at, updated_at) values ('before', 60, 'open', '', 1, 1)")
      .run();
    raw.close();
    store = await openStore(file);
    await savePlaybook(
      store,
      { name: "all", trigger: { event: "case_created" }, steps: [{ id: "one", action: "test/Echo" }] },
      { findAction },
    );
    const after = await addCase("after");
    expect(await sweepTriggers(store, createExecutor(store, { runAction: runner([]) }))).toBe(1);
    expect(await store.db.selectFrom("playbook_runs").select("case_id").execute()).toEqual([{ case_id: after }]);
  });
});
