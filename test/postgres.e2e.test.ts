// The same contract flow on PostgreSQL (`--db postgres://…`), against a real server and a real Dovecot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countUnread, deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { makeWorkspace } from "./support/cli.js";
import { makeReports } from "./support/messages.js";

let server: Dovecot;
let postgres: Postgres;

beforeAll(async () => {
  [server, postgres] = await Promise.all([startDovecot(), startPostgres()]);
});
afterAll(async () => {
  await server?.stop();
  postgres?.stop();
});

describe("Intake on PostgreSQL", () => {
  it("ingests every unread message once, with the --db flag selecting PostgreSQL", async () => {
    const url = postgres.createDatabase("contract");
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_DB: "", INTAKE_HOME: "" });
    const reports = makeReports(25);
    deliverToMaildir(server, reports.map((r) => r.raw));
    const db = ["--db", url];

    const created = await ws.intake([...db, "connector", "create", "pg", "--integration", "email", "--params", ws.writeJson("p.json", server.params())]);
    expect(created.code, created.stderr).toBe(0);
    const test = await ws.intake([...db, "connector", "run", "pg", "--test", "--json"]);
    expect(ws.lastJson(test)).toMatchObject({ alerts: 25, ingested: 0 });
    expect(await countUnread(server)).toBe(25);

    const run = await ws.intake([...db, "connector", "run", "pg", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ fetched: 25, ingested: 25, duplicates: 0, failed: 0 });
    expect(await countUnread(server)).toBe(0);
    expect(ws.lastJson(await ws.intake([...db, "connector", "run", "pg", "--json"]))).toMatchObject({ ingested: 0 });

    const exported = await ws.intake([...db, "cases", "export", "--jsonl"]);
    const alerts = exported.stdout.trim().split("\n").map((l) => JSON.parse(l) as { alerts: { display_id: string; events: { found_urls: string[] }[] }[] }).flatMap((c) => c.alerts);
    expect(alerts.map((a) => a.display_id).sort()).toEqual(reports.map((r) => r.messageId).sort());
    for (const report of reports) expect(alerts.find((a) => a.display_id === report.messageId)!.events[0]!.found_urls).toEqual(report.urls);
    // Nothing went to an SQLite file by mistake.
    expect((await ws.intake(["cases", "list"])).stdout).not.toContain("Suspicious message");
  });
});
