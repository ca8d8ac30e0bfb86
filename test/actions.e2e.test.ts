// Actions and jobs end to end through the contract commands: a user's integration (test/fixtures/respond-tests)
// whose actions have their own npm dependency and read the integration's parameters, run on cases the
// email connector made from a real Dovecot; an action that throws, one that hangs past its timeout and
// one that reads what its sandbox forbids each end recorded, with one line on stderr; secrets are never
// shown, stored in clear or logged.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import type { FastifyInstance } from "fastify";
import { requestAs, signInApi, type Session } from "./support/api.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace, queryDatabase } from "./support/cli.js";
import { makeReport } from "./support/messages.js";
import { startPostgres } from "./support/postgres.js";
import { createConnector } from "./support/email-workspace.js";
import { createReportsConnector } from "./support/triage-workspace.js";
import { countRows, waitFor } from "./support/wait.js";

const PACKAGE = path.join(PROJECT_ROOT, "test/fixtures/respond-tests");
const API_KEY = "sk-live-7c1e9f0a55";
const TOKEN = "tok-3b8d2e11";

let server: Dovecot;
let ws: Workspace;
let caseId: number;
let caseUrls: string[];

const query = <T>(sql: string, ...params: unknown[]): T[] => queryDatabase<T>(ws.db, sql, ...params);

/** `intake action run "Respond Tests" ACTION --case <the case> --params FILE`, the parameters written to FILE, then `extra`. */
const runRespondAction = (action: string, file: string, params: Record<string, unknown>, extra: string[] = []) =>
  ws.intake(["action", "run", "Respond Tests", action, "--case", String(caseId), "--params", ws.writeJson(file, params), ...extra]);

beforeAll(async () => {
  server = await startDovecot();
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_ACTOR: "alice" });
  const report = makeReport(1, { urls: 2, subject: "Please verify your mailbox" });
  deliverToMaildir(server, [report.raw]);
  caseUrls = report.urls;
  await createReportsConnector(ws, server.params());
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  expect(ws.lastJson(run).ingested).toBe(1);
  caseId = query<{ id: number }>("select id from cases")[0]!.id;
  const imported = await ws.intake(["integration", "import", PACKAGE]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.stdout).toContain("actions: Fail, Forge, Hang, Lookup, Snoop");
  expect(imported.stdout).toContain("jobs: Sync");
});

afterAll(async () => {
  await server?.stop();
});

describe("integration parameters", () => {
  it("are validated, naming the parameter", async () => {
    const missing = await ws.intake([
      "integration",
      "configure",
      "Respond Tests",
      "--params",
      ws.writeJson("bad.json", { "API Key": API_KEY, Colour: "red" }),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain('PARAM_INVALID: unknown parameter "Colour"');
    expect(missing.stderr).toContain('missing required parameter "Prefix"');
    expect(missing.stderr).not.toContain(API_KEY);
  });

  it("keep a secret encrypted and never show it, and an update without it keeps it", async () => {
    const configured = await ws.intake([
      "integration",
      "configure",
      "respond-tests",
      "--params",
      ws.writeJson("settings.json", { Prefix: "seen", "API Key": API_KEY }),
    ]);
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout).toContain('Prefix = "seen"');
    expect(configured.stdout).toContain('API Key = "********"');
    expect(configured.stdout + configured.stderr).not.toContain(API_KEY);
    const again = await ws.intake([
      "integration",
      "configure",
      "Respond Tests",
      "--params",
      ws.writeJson("settings2.json", { Prefix: "checked" }),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('API Key = "********"');
    const stored = query<{ parameters: string }>("select parameters from integration_settings where integration = 'respond-tests'")[0]!
      .parameters;
    expect(stored).not.toContain(API_KEY);
    expect(JSON.parse(stored)["API Key"]).toMatch(/^enc:v1:/);
    expect(fs.readFileSync(ws.db).includes(Buffer.from(API_KEY))).toBe(false);
  });

  it("are read by the integration's connectors too", async () => {
    await createConnector(ws, "echo", "Respond Tests", {}, { connector: "Echo", extra: ["--disabled"] });
    const tested = await ws.intake(["connector", "run", "echo", "--test", "--json"]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toContain('"prefix":"checked"');
    expect(tested.stderr).toContain("key ********");
    expect(tested.stdout + tested.stderr).not.toContain(API_KEY);
  });
});

describe("intake action run", () => {
  it("runs an action with its own dependency on the case's entities and records it on the case", async () => {
    const result = await runRespondAction("Lookup", "lookup.json", { Limit: 10, Token: TOKEN }, ["--json"]);
    expect(result.code, result.stderr).toBe(0);
    const last = ws.lastJson(result);
    const json = last.json as {
      seen: string[];
      before: (string | null)[];
      caseId: number;
      caseTitle: string;
      key: boolean;
      alerts: { identifier: string; subject: string | null }[];
      status: string;
    };
    expect(last.status).toBe("completed");
    expect(last.resultValue).toBe(true);
    for (const url of caseUrls) expect(json.seen).toContain(`URL ${url}`);
    expect(json.seen).toContain("DOMAIN phish-1.test");
    expect(json.seen.every((entry) => /^(URL|DOMAIN) /.test(entry))).toBe(true);
    expect(last.message).toBe(`checked ${json.seen.length}`);
    expect(json.before.every((value) => value === null)).toBe(true);
    expect(json.caseId).toBe(caseId);
    expect(json.caseTitle).toBe("Please verify your mailbox");
    expect(json.key).toBe(true);
    // The case with its alert and the event's fields as the email connector returned them.
    expect(json.alerts).toEqual([{ identifier: expect.any(String), subject: "Please verify your mailbox" }]);
    expect(json.status).toBe("open");

    // Recorded with who ran it; the entity updates are stored on the case's entities.
    const [run] = query<{ actor: string; status: string; params: string; logs: string; insights: string }>(
      "select * from action_runs where case_id = ?",
      caseId,
    );
    expect(run!.actor).toBe("alice");
    expect(run!.status).toBe("completed");
    expect(JSON.parse(run!.params)).toEqual({ Limit: 10, Token: "********" });
    expect(JSON.parse(run!.insights)).toEqual([expect.objectContaining({ title: "Lookup", message: `first of ${json.seen.length}` })]);
    const logs = JSON.parse(run!.logs) as { message: string }[];
    expect(logs.map((entry) => entry.message)).toContain("calling the service with key ******** and token ********");
    expect(fs.readFileSync(ws.db).includes(Buffer.from(API_KEY))).toBe(false);
    expect(fs.readFileSync(ws.db).includes(Buffer.from(TOKEN))).toBe(false);
    const entities = query<{ type: string; data: string }>(
      "select type, data from entities where case_id = ? and type in ('URL', 'DOMAIN')",
      caseId,
    );
    expect(entities.length).toBeGreaterThan(0);
    for (const entity of entities) expect(JSON.parse(entity.data).checked).toBe("checked:10");

    // A later action sees the updates.
    const second = await ws.intake(["action", "run", "respond-tests", "lookup", "--case", String(caseId), "--json"]);
    expect(second.code, second.stderr).toBe(0);
    expect((ws.lastJson(second).json as { before: string[] }).before.every((value) => value === "checked:10")).toBe(true);

    const listed = await ws.intake(["action", "runs", "--case", String(caseId), "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const runs = JSON.parse(listed.stdout) as { action: string; status: string; actor: string }[];
    expect(runs.map((r) => r.action)).toEqual(["Lookup", "Lookup"]);
  });

  it("records an action that throws as failed, with one line on stderr", async () => {
    const result = await ws.intake(["action", "run", "Respond Tests", "Fail", "--case", String(caseId), "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("ACTION_FAILED: the lookup service said no");
    expect(ws.lastJson(result).status).toBe("failed");
    const [run] = query<{ status: string; error: string; logs: string }>("select * from action_runs where action = 'Fail'");
    expect(run!.status).toBe("failed");
    expect(JSON.parse(run!.error)).toEqual({ code: "ACTION_FAILED", message: "the lookup service said no" });
    expect(run!.logs).toContain("about to fail");
  });

  it("stops an action that runs past its timeout and records it as timed out", async () => {
    const started = Date.now();
    const result = await ws.intake(["action", "run", "Respond Tests", "Hang", "--case", String(caseId), "--json"]);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("RUN_TIMEOUT: the action ran past its timeout of 2 s and was stopped");
    expect(ws.lastJson(result).status).toBe("timed_out");
    expect(query<{ status: string }>("select status from action_runs where action = 'Hang'")[0]!.status).toBe("timed_out");
  });

  it("refuses what the sandbox forbids: reading the database", async () => {
    const result = await runRespondAction("Snoop", "snoop.json", { Path: ws.db });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`ERR_ACCESS_DENIED: the action's process may not read ${ws.db} (sandbox)`);
    expect(query<{ status: string }>("select status from action_runs where action = 'Snoop'")[0]!.status).toBe("failed");
  });

  it("refuses a result the action's process forged past the SDK", async () => {
    const before = query<{ data: string }>("select data from entities where case_id = ? order by id", caseId);
    const result = await ws.intake(["action", "run", "Respond Tests", "Forge", "--case", String(caseId), "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^ACTION_FAILED: the action's result was refused: entityUpdates\.0\.additionalProperties\.verdict: /,
    );
    expect(ws.lastJson(result)).toMatchObject({ status: "failed", resultValue: null, json: null });
    expect(query<{ data: string }>("select data from entities where case_id = ? order by id", caseId)).toEqual(before);
  });

  it("names what is wrong in the request", async () => {
    const unknownAction = await ws.intake(["action", "run", "Respond Tests", "Nope", "--case", String(caseId)]);
    expect(unknownAction.stderr.trim()).toBe(
      'ACTION_NOT_FOUND: integration "Respond Tests" has no action "Nope" (its actions: Fail, Forge, Hang, Lookup, Snoop)',
    );
    const unknownCase = await ws.intake(["action", "run", "Respond Tests", "Lookup", "--case", "999"]);
    expect(unknownCase.stderr.trim()).toBe("CASE_NOT_FOUND: no case 999");
    const badParam = await runRespondAction("Lookup", "bad-limit.json", { Limit: "many" });
    expect(badParam.stderr.trim()).toBe('PARAM_INVALID: parameter "Limit" must be an integer, got "many"');
    for (const result of [unknownAction, unknownCase, badParam]) expect(result.code).toBe(1);
  });
});

describe("the API", () => {
  // The built server, as intake serve runs it: an action's process starts from the built runner.
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let admin: Session;
  let analyst: Session;
  let actions: typeof import("../src/platform/actions/index.js");
  let store: import("../src/platform/store/index.js").Store;

  beforeAll(async () => {
    const dist = (file: string) => import(path.join(PROJECT_ROOT, "dist/src", file));
    const { buildServer } = (await dist("server/app.js")) as typeof import("../src/server/app.js");
    const { openStore } = (await dist("platform/store/index.js")) as typeof import("../src/platform/store/index.js");
    const { saveUser } = (await dist("platform/users/index.js")) as typeof import("../src/platform/users/index.js");
    actions = (await dist("platform/actions/index.js")) as typeof actions;
    process.env.INTAKE_HOME = ws.dir;
    store = await openStore(ws.db);
    await saveUser(store, "ada", "admin", "admin-password-1");
    await saveUser(store, "bob", "analyst", "analyst-password-1");
    app = await buildServer({ store, webDir: path.join(ws.dir, "no-web") });
    admin = await signInApi(app, "ada", "admin-password-1");
    analyst = await signInApi(app, "bob", "analyst-password-1");
    close = async () => {
      await app.close();
      await store.close();
      delete process.env.INTAKE_HOME;
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it("lists the integration's actions and parameters, its settings with the secret masked", async () => {
    const response = await requestAs(app, analyst, "GET", "/api/integrations");
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toContain(API_KEY);
    type Listed = { slug: string; settings: unknown; parameters: { name: string }[]; actions: { name: string }[] };
    const integration = (response.json().integrations as Listed[]).find((i) => i.slug === "respond-tests")!;
    expect(integration.settings).toEqual({ Prefix: "checked", "API Key": "********" });
    expect(integration.parameters.map((p: { name: string }) => p.name)).toEqual(["Prefix", "API Key"]);
    expect(integration.actions.find((a: { name: string }) => a.name === "Lookup")).toMatchObject({
      entityTypes: ["URL", "DOMAIN"],
      timeoutSeconds: 60,
    });
  });

  it("lets only an admin change the settings, and never shows the secret back", async () => {
    const refused = await requestAs(app, analyst, "PUT", "/api/integrations/respond-tests/settings", { parameters: { Prefix: "x" } });
    expect(refused.statusCode).toBe(403);
    const invalid = await requestAs(app, admin, "PUT", "/api/integrations/respond-tests/settings", {
      parameters: { Prefix: "x", Colour: "red" },
    });
    expect([invalid.statusCode, invalid.json().error.code]).toEqual([400, "PARAM_INVALID"]);
    expect(invalid.json().error.message).toContain('unknown parameter "Colour"');
    const saved = await requestAs(app, admin, "PUT", "/api/integrations/respond-tests/settings", { parameters: { Prefix: "api" } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().settings).toEqual({ Prefix: "api", "API Key": "********" });
  });

  it("runs an action by hand for an analyst, recorded with their name, and lists the case's runs newest first", async () => {
    const ran = await requestAs(app, analyst, "POST", `/api/cases/${caseId}/actions`, {
      integration: "Respond Tests",
      action: "Lookup",
      params: { Limit: 1 },
    });
    expect(ran.statusCode, ran.body).toBe(200);
    const outcome = ran.json();
    expect(outcome).toMatchObject({ status: "completed", resultValue: true, message: "checked 1" });
    expect(outcome.entityUpdates).toEqual([
      expect.objectContaining({ additionalProperties: expect.objectContaining({ checked: "api:1" }) }),
    ]);
    const failed = await requestAs(app, analyst, "POST", `/api/cases/${caseId}/actions`, { integration: "Respond Tests", action: "Fail" });
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ status: "failed", error: { code: "ACTION_FAILED", message: "the lookup service said no" } });
    const listed = await requestAs(app, analyst, "GET", `/api/cases/${caseId}/actions`);
    const runs = listed.json().actionRuns as { action: string; actor: string; actionRunId: number }[];
    expect(runs.slice(0, 2).map((r) => [r.action, r.actor])).toEqual([
      ["Fail", "bob"],
      ["Lookup", "bob"],
    ]);
    expect(runs[0]!.actionRunId).toBeGreaterThan(runs[1]!.actionRunId);
    const missing = await requestAs(app, analyst, "POST", "/api/cases/999/actions", { integration: "Respond Tests", action: "Lookup" });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, "CASE_NOT_FOUND"]);
    // What changes staff mailboxes is an admin's (or a playbook's, by approval): an analyst's run is refused.
    const purge = await requestAs(app, analyst, "POST", `/api/cases/${caseId}/actions`, { integration: "email", action: "Purge Email" });
    expect([purge.statusCode, purge.json().error.code]).toEqual([403, "ACTION_ADMIN_ONLY"]);
  });

  it("plays an action for an admin: the outcome comes back, nothing is stored or changed", async () => {
    const before = query<{ n: number }>("select count(*) as n from action_runs")[0]!.n;
    const entitiesBefore = query<{ data: string }>("select data from entities where case_id = ? order by id", caseId);
    const playPath = "/api/ide/integrations/respond-tests/actions/lookup/play";
    const saved = fs.readFileSync(path.join(PACKAGE, "actions", "lookup.ts"), "utf8");
    expect((await requestAs(app, analyst, "POST", playPath, { code: saved, caseId })).statusCode).toBe(403);
    const played = await requestAs(app, admin, "POST", playPath, { code: saved, caseId, params: { Limit: 2 } });
    expect(played.statusCode, played.body).toBe(200);
    expect(played.json()).toMatchObject({ actionRunId: null, status: "completed", message: "checked 2" });
    expect(played.json().entityUpdates).toHaveLength(2);
    // The code in the editor runs, not the installed version: unsaved changes included.
    const edited = await requestAs(app, admin, "POST", playPath, {
      code: saved.replace(`\`checked \${checked.length}\``, `\`edited \${checked.length}\``),
      caseId,
      params: { Limit: 1 },
    });
    expect(edited.json()).toMatchObject({ actionRunId: null, status: "completed", message: "edited 1" });
    // A compile error comes back as the IDE's diagnostics, by line.
    const broken = await requestAs(app, admin, "POST", playPath, { code: `${saved}\nconst = ;\n`, caseId });
    expect(broken.statusCode).toBe(422);
    expect(broken.json().error.code).toBe("IDE_CHECK");

    // A job's Play runs the editor's code once in test mode: its context is not saved.
    const jobCode = fs.readFileSync(path.join(PACKAGE, "jobs", "sync.ts"), "utf8").replace(`run \${count} by`, `draft run \${count} by`);
    expect(
      (await requestAs(app, analyst, "POST", "/api/ide/integrations/respond-tests/jobs/sync/play", { code: jobCode })).statusCode,
    ).toBe(403);
    const job = await requestAs(app, admin, "POST", "/api/ide/integrations/respond-tests/jobs/sync/play", { code: jobCode });
    expect(job.statusCode, job.body).toBe(200);
    expect(job.json()).toMatchObject({ status: "succeeded", test: true });
    expect((job.json().logs as { message: string }[]).map((entry) => entry.message).join("\n")).toContain("draft run 1 by api (test)");
    expect(query<{ n: number }>("select count(*) as n from job_settings")[0]!.n).toBe(0);
    expect(query<{ n: number }>("select count(*) as n from action_runs")[0]!.n).toBe(before);
    expect(query<{ data: string }>("select data from entities where case_id = ? order by id", caseId)).toEqual(entitiesBefore);
  });

  it("returns the stored outcome for an idempotency key that completed, and runs again one that failed", async () => {
    const request = {
      integration: "respond-tests",
      action: "Lookup",
      caseId,
      actor: "playbook:enrich",
      idempotencyKey: "pb:7:look",
      playbookRunId: 7,
      stepId: "look",
    };
    const first = await actions.runAction(store, request);
    expect(first.status).toBe("completed");
    const again = await actions.runAction(store, { ...request, params: { Limit: 1 } });
    expect(again).toEqual(first);
    const rows = query<{ id: number; playbook_run_id: number; step_id: string; actor: string }>(
      "select * from action_runs where idempotency_key = 'pb:7:look'",
    );
    expect(rows.map((r) => [r.id, r.playbook_run_id, r.step_id, r.actor])).toEqual([[first.actionRunId, 7, "look", "playbook:enrich"]]);

    const failing = { integration: "Respond Tests", action: "Fail", caseId, actor: "playbook:enrich", idempotencyKey: "pb:7:fail" };
    const failed = await actions.runAction(store, failing);
    const retried = await actions.runAction(store, failing);
    expect([failed.status, retried.status]).toEqual(["failed", "failed"]);
    expect(retried.actionRunId).toBe(failed.actionRunId);
    expect(retried.startedAt).toBeGreaterThan(failed.startedAt);
    expect(query<{ n: number }>("select count(*) as n from action_runs where idempotency_key = 'pb:7:fail'")[0]!.n).toBe(1);
    const unknown = actions.runAction(store, { ...request, idempotencyKey: "pb:7:other", params: { Nope: 1 } });
    await expect(unknown).rejects.toMatchObject({ code: "PARAM_INVALID", message: expect.stringContaining('unknown parameter "Nope"') });
  });
});

describe("jobs", () => {
  const context = () =>
    JSON.parse(
      query<{ context: string }>("select context from job_settings where integration = 'respond-tests' and job = 'Sync'")[0]?.context ??
        "{}",
    ) as Record<string, string>;

  it("run once in their own process, keep their context between runs, and none from a test run", async () => {
    const test = await ws.intake(["job", "run", "Respond Tests", "Sync", "--test", "--json"]);
    expect(test.code, test.stderr).toBe(0);
    expect(ws.lastJson(test)).toMatchObject({ status: "succeeded", test: true });
    expect(test.stderr).toContain("sync run 1 by api (test), key ********");
    expect(test.stderr).not.toContain(API_KEY);
    expect(context()).toEqual({});
    for (const round of [1, 2]) {
      const run = await ws.intake(["job", "run", "respond-tests", "sync", "--json", "--verbose"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`sync run ${round} by api, key ********`);
    }
    expect(context().count).toBe("2");
    expect(Number(context().timestamp)).toBeGreaterThan(Date.now() - 120_000);
    const runs = JSON.parse((await ws.intake(["job", "runs", "--json"])).stdout) as {
      status: string;
      is_test: number;
      logs: { message: string }[];
    }[];
    // Newest first: the two runs, the test run, the IDE's Play of the API's tests.
    expect(runs.map((r) => [r.status, r.is_test])).toEqual([
      ["succeeded", 0],
      ["succeeded", 0],
      ["succeeded", 1],
      ["succeeded", 1],
    ]);
    expect(JSON.stringify(runs)).not.toContain(API_KEY);
  });

  it("record a job that throws as failed, with one line on stderr, and keep the context as it was", async () => {
    const failed = await ws.intake(["job", "run", "Respond Tests", "Sync", "--params", ws.writeJson("fail.json", { Fail: true })]);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe("JOB_FAILED: the feed is down");
    expect(context().count).toBe("2");
    const unknown = await ws.intake(["job", "run", "Respond Tests", "Nope"]);
    expect(unknown.stderr.trim()).toBe('JOB_NOT_FOUND: integration "Respond Tests" has no job "Nope" (its jobs: Sync)');
  });

  it("run on their interval under intake serve once scheduled, and stop when disabled", async () => {
    const bad = await ws.intake([
      "job",
      "schedule",
      "Respond Tests",
      "Sync",
      "--params",
      ws.writeJson("bad-job.json", { Fail: "sometimes" }),
    ]);
    expect(bad.stderr.trim()).toBe('PARAM_INVALID: parameter "Fail" must be true or false, got "sometimes"');
    const scheduled = await ws.intake([
      "job",
      "schedule",
      "Respond Tests",
      "Sync",
      "--params",
      ws.writeJson("job.json", { Label: "scheduled" }),
      "--interval",
      "1",
    ]);
    expect(scheduled.code, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain("runs every 1 s under intake serve");
    const before = countRows(ws.db, "select count(*) as n from job_runs where is_test = 0 and status = 'succeeded'");
    const serve = ws.spawnIntake(["serve", "--port", "0"]);
    try {
      await waitFor(
        () => countRows(ws.db, "select count(*) as n from job_runs where is_test = 0 and status = 'succeeded'") >= before + 2,
        60_000,
        200,
      );
    } finally {
      serve.kill("SIGTERM");
      await new Promise((resolve) => serve.once("exit", resolve));
    }
    expect(Number(context().count)).toBeGreaterThanOrEqual(4);
    const listed = JSON.parse((await ws.intake(["job", "list", "--json"])).stdout) as {
      job: string;
      enabled: boolean;
      intervalSeconds: number;
      parameters: Record<string, unknown>;
      lastRun: { status: string };
    }[];
    expect(listed).toEqual([
      expect.objectContaining({
        job: "Sync",
        enabled: true,
        intervalSeconds: 1,
        parameters: { Label: "scheduled", Fail: false },
        lastRun: expect.objectContaining({ status: "succeeded" }),
      }),
    ]);
    const disabled = await ws.intake(["job", "schedule", "Respond Tests", "Sync", "--disable"]);
    expect(disabled.stdout).toContain("is disabled");
    expect(
      (JSON.parse((await ws.intake(["job", "list", "--json"])).stdout) as { enabled: boolean; parameters: Record<string, unknown> }[])[0],
    ).toMatchObject({ enabled: false, parameters: { Label: "scheduled" } });
  });
});

describe("on PostgreSQL", () => {
  it("configures, runs an action on an email case and a job, as on SQLite", async () => {
    const postgres = await startPostgres();
    try {
      const pg = makeWorkspace({
        NODE_EXTRA_CA_CERTS: server.caFile,
        INTAKE_DB: postgres.createDatabase("actions"),
        INTAKE_ACTOR: "carol",
      });
      deliverToMaildir(server, [makeReport(2, { urls: 1, subject: "Your parcel is waiting" }).raw]);
      await createReportsConnector(pg, server.params());
      expect(pg.lastJson(await pg.intake(["connector", "run", "reports", "--json"])).ingested).toBe(1);
      expect((await pg.intake(["integration", "import", PACKAGE, "--no-typecheck"])).code).toBe(0);
      const configured = await pg.intake([
        "integration",
        "configure",
        "Respond Tests",
        "--params",
        pg.writeJson("settings.json", { Prefix: "pg", "API Key": API_KEY }),
      ]);
      expect(configured.code, configured.stderr).toBe(0);
      const exported = await pg.intake(["cases", "export", "--jsonl"]);
      const id = (JSON.parse(exported.stdout.trim().split("\n")[0]!) as { id: number }).id;
      const ran = await pg.intake(["action", "run", "Respond Tests", "Lookup", "--case", String(id), "--json"]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(pg.lastJson(ran)).toMatchObject({ status: "completed", resultValue: true });
      const again = await pg.intake(["action", "run", "Respond Tests", "Lookup", "--case", String(id), "--json"]);
      expect((pg.lastJson(again).json as { before: string[] }).before.every((value) => value === "pg:5")).toBe(true);
      const runs = JSON.parse((await pg.intake(["action", "runs", "--case", String(id), "--json"])).stdout) as {
        actor: string;
        status: string;
      }[];
      expect(runs.map((r) => [r.actor, r.status])).toEqual([
        ["carol", "completed"],
        ["carol", "completed"],
      ]);
      for (const round of [1, 2]) {
        const job = await pg.intake(["job", "run", "Respond Tests", "Sync", "--verbose"]);
        expect(job.code, job.stderr).toBe(0);
        expect(job.stderr).toContain(`sync run ${round} by pg, key ********`);
      }
    } finally {
      postgres.stop();
    }
  });
});
