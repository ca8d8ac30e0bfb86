// The same contract flow on PostgreSQL (`--db postgres://…`), against a real server and a real Dovecot.
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryBuilderLookup } from "../src/platform/grouping/index.js";
import { openStore, valueHash, type Database } from "../src/platform/store/index.js";
import { countUnread, deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { makeWorkspace } from "./support/cli.js";
import { makeReports } from "./support/messages.js";
import { migrateUntil } from "./support/engine-migrations.js";
import { OLD_EMAIL_ENTITIES, expectedAfter0011 } from "./support/old-entities.js";

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
    deliverToMaildir(
      server,
      reports.map((r) => r.raw),
    );
    const db = ["--db", url];

    const created = await ws.intake([
      ...db,
      "connector",
      "create",
      "pg",
      "--integration",
      "email",
      "--params",
      ws.writeJson("p.json", server.params()),
    ]);
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
    const alerts = exported.stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            alerts: {
              display_id: string;
              events: { found_urls: string[] }[];
              entities: { type: string; role: string | null; depth: number }[];
            }[];
          },
      )
      .flatMap((c) => c.alerts);
    expect(alerts.map((a) => a.display_id).sort()).toEqual(reports.map((r) => r.messageId).sort());
    for (const report of reports) expect(alerts.find((a) => a.display_id === report.messageId)!.events[0]!.found_urls).toEqual(report.urls);
    // The query builder's writer stores the entities' roles and depths too.
    for (const alert of alerts)
      expect(alert.entities.filter((e) => e.type === "EMAIL_ADDRESS" && e.role === "sender" && e.depth === 0)).toHaveLength(1);
    // Nothing went to an SQLite file by mistake.
    expect((await ws.intake(["cases", "list"])).stdout).not.toContain("Suspicious message");
  });

  it("hashes the values of entities and grouping keys stored before migration 0010", async () => {
    const url = postgres.createDatabase("before0010");
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    await migrateUntil(old, "postgres", "0010_value_hash");
    const link = "https://phish.example.test/login";
    const entityRows = sql`(1, 7, 'URL', ${link}, 'text', '{}'), (2, 8, 'URL', ${"https://other.test/"}, 'text', '{}')`;
    await sql`insert into entities (alert_pk, case_id, type, value, source, data) values ${entityRows}`.execute(old);
    const keyRow = sql`(7, 1, 'url', ${link}, 'Default', 1000)`;
    await sql`insert into case_keys (case_id, alert_pk, kind, value, environment, created_at) values ${keyRow}`.execute(old);
    await old.destroy();
    const store = await openStore(url);
    try {
      const hashes = await store.db.selectFrom("entities").select(["value", "value_hash"]).orderBy("id").execute();
      expect(hashes).toEqual([
        { value: link, value_hash: valueHash(link) },
        { value: "https://other.test/", value_hash: valueHash("https://other.test/") },
      ]);
      const db = store.db as Kysely<Database>;
      await db.transaction().execute(async (trx) => {
        expect(await queryBuilderLookup(trx).casesWithKey("url", [link], "Default", { from: 0, to: 2000 })).toEqual([7]);
      });
    } finally {
      await store.close();
    }
  });

  it("gives entities stored before migration 0011 the role and forward depth their old email labels meant", async () => {
    const url = postgres.createDatabase("before0011");
    const old = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });
    await migrateUntil(old, "postgres", "0011_entity_roles");
    for (const row of OLD_EMAIL_ENTITIES) {
      const values = sql`(${row.alert_pk}, ${row.case_id}, ${row.type}, ${row.value}, ${valueHash(row.value)}, ${row.source}, ${row.data})`;
      await sql`insert into entities (alert_pk, case_id, type, value, value_hash, source, data) values ${values}`.execute(old);
    }
    await old.destroy();
    const store = await openStore(url);
    try {
      expect(await store.db.selectFrom("entities").select(["value", "source", "role", "depth", "data"]).orderBy("id").execute()).toEqual(
        expectedAfter0011(),
      );
    } finally {
      await store.close();
    }
  });
});
