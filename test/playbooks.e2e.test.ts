// Playbooks end to end through the contract commands: email cases from a real Dovecot trigger a playbook
// whose real actions (each in its own sandboxed process) run with a condition, a parallel group and an
// approval; then `intake playbooks drain` SIGKILLed at random moments and resumed: every completed
// step's effect exactly once.
import fs from "node:fs";
import Database from "better-sqlite3";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { makeReports } from "./support/messages.js";
import { createReportsConnector } from "./support/triage-workspace.js";
import { countRows, waitFor } from "./support/wait.js";
import { startConsole } from "./support/console.js";

interface Effect {
  key: string;
  note: string;
  caseId: number;
  at: number;
}
/** What the server did, once per idempotency key (as a mail server would with a Message-ID): the effect. */
const applied = new Map<string, Effect>();
type StepJson = { id: string; action: string; status: string; resultValue: unknown; json: unknown };
type RunJson = { id: number; playbook: string; status: string; steps: StepJson[] };

let server: Dovecot;
let effects: Effect[] = [];
let effectServer: http.Server;
let effectUrl: string;

const TOOLS = path.join(PROJECT_ROOT, "test", "fixtures", "playbook-tools");

function playbook(name: string, connector: string) {
  return {
    name,
    trigger: { event: "case_created", connector },
    steps: [
      { id: "look", action: "Playbook Tools/Lookup", params: { Limit: "2" } },
      {
        id: "flag",
        action: "Playbook Tools/Notify",
        when: { step: "look", resultValue: "true" },
        params: { Url: effectUrl, Note: "[Case.Title] [Step.look.ResultValue] [Step.look.JsonResult.seen.0]" },
      },
      {
        id: "both",
        parallel: [
          { id: "tell", action: "Playbook Tools/Notify", params: { Url: effectUrl, Note: "parallel" } },
          { id: "broken", action: "Playbook Tools/Fail", onFailure: "continue" },
        ],
      },
      {
        id: "block",
        action: "Playbook Tools/Notify",
        params: { Url: effectUrl, Note: "approved [Case.Id]" },
        approval: { prompt: "Block the sender?", timeoutMinutes: 60, onTimeout: "reject" },
      },
    ],
  };
}

/** The tools package, the playbook imported alone (or, with `packaged`, in the package's playbooks/), an email connector's cases. */
async function setUp(
  ws: Workspace,
  connector: string,
  reports: number,
  packaged = false,
  document: object = playbook("triage", connector),
): Promise<number[]> {
  let tools = TOOLS;
  if (packaged) {
    tools = path.join(ws.dir, "tools");
    fs.cpSync(TOOLS, tools, { recursive: true });
    fs.mkdirSync(path.join(tools, "playbooks"));
    fs.writeFileSync(path.join(tools, "playbooks", "triage.json"), JSON.stringify(document));
  }
  const imported = await ws.intake(["integration", "import", tools]);
  expect(imported.code, imported.stderr).toBe(0);
  // The built-in triage playbook would run on these email cases too: these tests count their own playbook's runs.
  const disabled = await ws.intake(["playbook", "disable", "phishing-triage"]);
  expect(disabled.code, disabled.stderr).toBe(0);
  if (!packaged) {
    const saved = await ws.intake(["playbook", "import", ws.writeJson("playbook.json", document)]);
    expect(saved.code, saved.stderr).toBe(0);
  }
  deliverToMaildir(
    server,
    makeReports(reports).map((report) => report.raw),
  );
  await createReportsConnector(ws, server.params(), ["--grouping", "off"], connector);
  const run = await ws.intake(["connector", "run", connector, "--json"]);
  expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: reports, failed: 0 });
  const cases = await ws.intake(["cases", "export", "--jsonl"]);
  return cases.stdout
    .trim()
    .split("\n")
    .map((line) => Number((JSON.parse(line) as { id: number | string }).id));
}

async function runsOf(ws: Workspace, caseId: number): Promise<RunJson[]> {
  const result = await ws.intake(["playbook", "runs", "--case", String(caseId), "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").pop()!) as RunJson[];
}

beforeAll(async () => {
  server = await startDovecot();
  effectServer = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const effect = JSON.parse(body) as Omit<Effect, "at">;
      // A little slow: a kill lands inside a step's action often enough.
      setTimeout(() => {
        const done = { ...effect, at: Date.now() };
        effects.push(done);
        if (!applied.has(done.key)) applied.set(done.key, done);
        response.end("ok");
      }, 50);
    });
  });
  await new Promise<void>((resolve) => effectServer.listen(0, "127.0.0.1", resolve));
  effectUrl = `http://127.0.0.1:${(effectServer.address() as AddressInfo).port}/effect`;
}, 120_000);

afterAll(async () => {
  effectServer?.close();
  await server?.stop();
});

describe("playbooks end to end", () => {
  it("runs a condition, a parallel group and an approval on email cases, shown by playbook runs", async () => {
    effects = [];
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    const caseIds = await setUp(ws, "reports", 2);
    const listed = await ws.intake(["playbooks", "list", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: "phishing-triage", enabled: false }),
      expect.objectContaining({ name: "triage", enabled: true }),
    ]);

    const drained = await ws.intake(["playbooks", "drain", "--json"]);
    expect(drained.code, drained.stderr).toBe(0);
    // Per case: look, flag, tell and broken ran (broken failed); block waits for approval.
    expect(ws.lastJson(drained)).toEqual({ runs: 2, steps: 8, failed: 2 });

    const [first, second] = caseIds as [number, number];
    const [run] = await runsOf(ws, first);
    expect(run).toMatchObject({ playbook: "triage", status: "running" });
    expect(run!.steps.map((step) => [step.id, step.action, step.status])).toEqual([
      ["look", "Playbook Tools/Lookup", "completed"],
      ["flag", "Playbook Tools/Notify", "completed"],
      ["tell", "Playbook Tools/Notify", "completed"],
      ["broken", "Playbook Tools/Fail", "failed"],
      ["block", "Playbook Tools/Notify", "waiting_approval"],
    ]);
    expect(run!.steps[0]!.resultValue).toBe(true);
    const seen = (run!.steps[0]!.json as { seen: string[] }).seen;
    expect(seen.length).toBeGreaterThan(0);
    expect(run!.steps[1]!.resultValue).toMatch(
      new RegExp(`^Suspicious message \\d+ true ${seen[0]!.replace(/[.?*+^$[\]\\(){}|-]/g, "\\$&")}$`),
    );

    const approve = await ws.intake(["playbook", "approve", String(run!.id), "block", "--comment", "sender is known bad"]);
    expect(approve.code, approve.stderr).toBe(0);
    const [other] = await runsOf(ws, second);
    const reject = await ws.intake(["playbook", "approve", String(other!.id), "block", "--reject"]);
    expect(reject.code, reject.stderr).toBe(0);
    const again = await ws.intake(["playbook", "approve", String(other!.id), "block"]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/^PLAYBOOK_APPROVAL: step block of run \d+ is not waiting for approval \(it is rejected\)/);

    expect(ws.lastJson(await ws.intake(["playbooks", "drain", "--json"]))).toEqual({ runs: 1, steps: 1, failed: 0 });
    expect((await runsOf(ws, first))[0]).toMatchObject({
      status: "completed",
      steps: [{}, {}, {}, {}, { id: "block", status: "completed", resultValue: `approved ${first}` }],
    });
    expect((await runsOf(ws, second))[0]).toMatchObject({
      status: "stopped",
      steps: [{}, {}, {}, {}, { id: "block", status: "rejected" }],
    });
    // Flag and tell on both cases, block on the approved one: each once.
    expect(effects.map((effect) => effect.note).sort()).toEqual(
      [`approved ${first}`, "parallel", "parallel", expect.stringMatching(/^Suspicious/), expect.stringMatching(/^Suspicious/)].sort(),
    );
    expect(new Set(effects.map((effect) => effect.key)).size).toBe(effects.length);
    // The entity updates of Lookup reached the case's URLs.
    expect(
      countRows(
        ws.db,
        "select count(*) as n from entities where case_id = ? and type = 'URL' and data like '%\"checked\":\"yes\"%'",
        first,
      ),
    ).toBeGreaterThan(0);
  });

  it("runs a package's playbook in intake serve on a case ingested before it started (none is missed), then after an \
approval", async () => {
    effects = [];
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    const [caseId] = await setUp(ws, "served", 1, true);
    expect(JSON.parse((await ws.intake(["playbooks", "list", "--json"])).stdout)).toEqual([
      expect.objectContaining({ name: "phishing-triage", enabled: false }),
      expect.objectContaining({ name: "triage", sourceIntegration: "Playbook Tools" }),
    ]);
    const serve = await startConsole(ws);
    try {
      await waitFor(
        () => countRows(ws.db, "select count(*) as n from playbook_steps where status = 'waiting_approval'") === 1,
        90_000,
        200,
      );
      const [run] = await runsOf(ws, caseId!);
      expect((await ws.intake(["playbook", "approve", String(run!.id), "block"])).code).toBe(0);
      await waitFor(() => countRows(ws.db, "select count(*) as n from playbook_runs where status = 'completed'") === 1, 90_000, 200);
      // Printed just after the commit the database showed: it may reach the pipe a moment later.
      await waitFor(() => /playbook run \d+ step block: completed/.test(serve.output()), 30_000, 100);
    } finally {
      await serve.stop();
    }
    expect(effects.map((effect) => effect.key).sort()).toEqual(["flag", "tell", "block"].map((step) => `pb:1:${step}`).sort());
  });

  it("retries a failing step with backoff and stops a step at its own timeout", async () => {
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    const [caseId] = await setUp(ws, "slow", 1, false, {
      name: "slow",
      trigger: { event: "case_created", connector: "slow" },
      steps: [
        { id: "retried", action: "Playbook Tools/Fail", retries: { limit: 1, backoffSeconds: 1 }, onFailure: "continue" },
        { id: "hang", action: "Playbook Tools/Hang", timeoutSeconds: 3 },
        { id: "never", action: "Playbook Tools/Fail" },
      ],
    });
    const started = Date.now();
    const drained = await ws.intake(["playbooks", "drain", "--json"]);
    expect(ws.lastJson(drained), drained.stderr).toEqual({ runs: 1, steps: 2, failed: 2 });
    // One second of backoff, three of timeout; far less than the action's own 120 s.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await runsOf(ws, caseId!)).toMatchObject([
      {
        playbook: "slow",
        status: "failed",
        steps: [
          { id: "retried", status: "failed" },
          { id: "hang", status: "timed_out" },
        ],
      },
    ]);
    expect(countRows(ws.db, "select attempts as n from playbook_steps where step_id = 'retried'")).toBe(2);
    expect(countRows(ws.db, "select count(*) as n from action_runs where action = 'Fail'")).toBe(1);
  });

  it("resumes a drain killed at random moments without repeating a completed step", async () => {
    effects = [];
    applied.clear();
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    const caseIds = await setUp(ws, "killed", 6);
    let kills = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const child = ws.spawnIntake(["playbooks", "drain", "--json"]);
      let stdout = "";
      child.stdout!.on("data", (chunk) => (stdout += chunk));
      // Later attempts get longer before the kill, so that on a busy machine one drain still gets to its end.
      const delay = 300 + Math.floor(Math.random() * 2500) + attempt * 250;
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
      clearTimeout(timer);
      if (code === 0) break;
      kills += 1;
    }
    expect(kills).toBeGreaterThan(0);
    console.log(`drain killed ${kills} times; ${effects.length} requests for ${applied.size} keys`);
    const final = await ws.intake(["playbooks", "drain", "--json"]);
    expect(ws.lastJson(final)).toMatchObject({ steps: 0 });

    for (const caseId of caseIds) {
      const [run] = await runsOf(ws, caseId);
      expect(run!.steps.map((step) => [step.id, step.status])).toEqual([
        ["look", "completed"],
        ["flag", "completed"],
        ["tell", "completed"],
        ["broken", "failed"],
        ["block", "waiting_approval"],
      ]);
    }
    // Each completed Notify step told the server; no request for a step came after the step was stored
    // (it never ran again once completed), and the action runs of a key that completed are one.
    const steps = completedNotifySteps(ws.db);
    expect(steps.length).toBe(caseIds.length * 2);
    // Exactly the completed steps' effects: one each.
    expect([...applied.keys()].sort()).toEqual(steps.map((step) => `pb:${step.run_id}:${step.step_id}`).sort());
    for (const step of steps) {
      const key = `pb:${step.run_id}:${step.step_id}`;
      const told = effects.filter((effect) => effect.key === key);
      expect(told.length, key).toBeGreaterThan(0);
      for (const effect of told) expect(effect.at, key).toBeLessThanOrEqual(step.finished_at);
      expect(countRows(ws.db, "select count(*) as n from action_runs where idempotency_key = ? and status = 'completed'", key), key).toBe(
        1,
      );
    }
  }, 600_000);
});

function completedNotifySteps(file: string): { run_id: number; step_id: string; finished_at: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare("select run_id, step_id, finished_at from playbook_steps where status = 'completed' and action like '%/Notify'")
      .all() as { run_id: number; step_id: string; finished_at: number }[];
  } finally {
    db.close();
  }
}
