// Actions end to end through the contract commands: a user's integration (test/fixtures/respond-tests)
// whose actions have their own npm dependency and read the integration's parameters, run on cases the
// email connector made from a real Dovecot; an action that throws, one that hangs past its timeout and
// one that reads what its sandbox forbids each end recorded, with one line on stderr; secrets are never
// shown, stored in clear or logged.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { makeReport } from "./support/messages.js";

const PACKAGE = path.join(PROJECT_ROOT, "test/fixtures/respond-tests");
const API_KEY = "sk-live-7c1e9f0a55";
const TOKEN = "tok-3b8d2e11";

let server: Dovecot;
let ws: Workspace;
let caseId: number;
let caseUrls: string[];

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(ws.db, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  server = await startDovecot();
  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_ACTOR: "alice" });
  const report = makeReport(1, { urls: 2, subject: "Please verify your mailbox" });
  deliverToMaildir(server, [report.raw]);
  caseUrls = report.urls;
  const created = await ws.intake(["connector", "create", "reports", "--integration", "email", "--params", ws.writeJson("reports.json", server.params())]);
  expect(created.code, created.stderr).toBe(0);
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  expect(ws.lastJson(run).ingested).toBe(1);
  caseId = query<{ id: number }>("select id from cases")[0]!.id;
  const imported = await ws.intake(["integration", "import", PACKAGE]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.stdout).toContain("actions: Fail, Hang, Lookup, Snoop");
});

afterAll(async () => {
  await server?.stop();
});

describe("integration parameters", () => {
  it("are validated, naming the parameter", async () => {
    const missing = await ws.intake(["integration", "configure", "Respond Tests", "--params", ws.writeJson("bad.json", { "API Key": API_KEY, Colour: "red" })]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain('PARAM_INVALID: unknown parameter "Colour"');
    expect(missing.stderr).toContain('missing required parameter "Prefix"');
    expect(missing.stderr).not.toContain(API_KEY);
  });

  it("keep a secret encrypted and never show it, and an update without it keeps it", async () => {
    const configured = await ws.intake(["integration", "configure", "respond-tests", "--params", ws.writeJson("settings.json", { Prefix: "seen", "API Key": API_KEY })]);
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout).toContain('Prefix = "seen"');
    expect(configured.stdout).toContain('API Key = "********"');
    expect(configured.stdout + configured.stderr).not.toContain(API_KEY);
    const again = await ws.intake(["integration", "configure", "Respond Tests", "--params", ws.writeJson("settings2.json", { Prefix: "checked" })]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('API Key = "********"');
    const stored = query<{ parameters: string }>("select parameters from integration_settings where integration = 'respond-tests'")[0]!.parameters;
    expect(stored).not.toContain(API_KEY);
    expect(JSON.parse(stored)["API Key"]).toMatch(/^enc:v1:/);
    expect(fs.readFileSync(ws.db).includes(Buffer.from(API_KEY))).toBe(false);
  });
});

describe("intake action run", () => {
  it("runs an action with its own dependency on the case's entities and records it on the case", async () => {
    const result = await ws.intake(["action", "run", "Respond Tests", "Lookup", "--case", String(caseId), "--params", ws.writeJson("lookup.json", { Limit: 10, Token: TOKEN }), "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const last = ws.lastJson(result);
    const json = last.json as { seen: string[]; before: (string | null)[]; caseId: number; caseTitle: string; key: boolean };
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

    // Recorded with who ran it; the entity updates are stored on the case's entities.
    const [run] = query<{ actor: string; status: string; params: string; logs: string; insights: string }>("select * from action_runs where case_id = ?", caseId);
    expect(run!.actor).toBe("alice");
    expect(run!.status).toBe("completed");
    expect(JSON.parse(run!.params)).toEqual({ Limit: 10, Token: "********" });
    expect(JSON.parse(run!.insights)).toEqual([expect.objectContaining({ title: "Lookup", message: `first of ${json.seen.length}` })]);
    const logs = JSON.parse(run!.logs) as { message: string }[];
    expect(logs.map((entry) => entry.message)).toContain("calling the service with key ******** and token ********");
    expect(fs.readFileSync(ws.db).includes(Buffer.from(API_KEY))).toBe(false);
    expect(fs.readFileSync(ws.db).includes(Buffer.from(TOKEN))).toBe(false);
    const entities = query<{ type: string; data: string }>("select type, data from entities where case_id = ? and type in ('URL', 'DOMAIN')", caseId);
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
    const result = await ws.intake(["action", "run", "Respond Tests", "Snoop", "--case", String(caseId), "--params", ws.writeJson("snoop.json", { Path: ws.db })]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`ERR_ACCESS_DENIED: the action's process may not read ${ws.db} (sandbox)`);
    expect(query<{ status: string }>("select status from action_runs where action = 'Snoop'")[0]!.status).toBe("failed");
  });

  it("names what is wrong in the request", async () => {
    const unknownAction = await ws.intake(["action", "run", "Respond Tests", "Nope", "--case", String(caseId)]);
    expect(unknownAction.stderr.trim()).toBe('ACTION_NOT_FOUND: integration "Respond Tests" has no action "Nope" (its actions: Fail, Hang, Lookup, Snoop)');
    const unknownCase = await ws.intake(["action", "run", "Respond Tests", "Lookup", "--case", "999"]);
    expect(unknownCase.stderr.trim()).toBe("CASE_NOT_FOUND: no case 999");
    const badParam = await ws.intake(["action", "run", "Respond Tests", "Lookup", "--case", String(caseId), "--params", ws.writeJson("bad-limit.json", { Limit: "many" })]);
    expect(badParam.stderr.trim()).toBe('PARAM_INVALID: parameter "Limit" must be an integer, got "many"');
    for (const result of [unknownAction, unknownCase, badParam]) expect(result.code).toBe(1);
  });
});
