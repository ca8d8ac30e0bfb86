// Health and migrations on a real PostgreSQL: GET /api/health without a session on `intake serve` and on
// the standalone health server (200 when current; 503 with the reason when the schema is behind, newer,
// or the database is stopped); migrations run once when processes start together; an older build refuses
// a database a newer one migrated, with one line and a catalog code.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/platform/store/index.js";
import { MIGRATION_NAMES } from "../src/platform/store/migrations/index.js";
import { checkHealth, serveHealth } from "../src/server/health.js";
import { makeWorkspace } from "./support/cli.js";
import { startConsole } from "./support/console.js";
import { startPostgres, type Postgres } from "./support/postgres.js";

let postgres: Postgres;

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

/** The migrations recorded on the database, each name with how many times. */
async function recorded(store: Store): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; n: number | string }>`select name, count(*) as n from kysely_migration group by name`.execute(store.db);
  return new Map(rows.rows.map((row) => [row.name, Number(row.n)]));
}

const pgWorkspace = (url: string) => makeWorkspace({ INTAKE_DB: url, INTAKE_HOME: "" });

describe("migrations on PostgreSQL", () => {
  it("run once when three processes start at the same moment on a fresh database", async () => {
    const url = postgres.createDatabase("together");
    const ws = pgWorkspace(url);
    const results = await Promise.all([0, 1, 2].map(() => ws.intake(["runs", "list"])));
    for (const result of results) expect([result.code, result.stderr]).toEqual([0, ""]);
    const store = await openStore(url);
    try {
      const counts = await recorded(store);
      expect([...counts.keys()].sort()).toEqual([...MIGRATION_NAMES]);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("are refused by an older build, with one line and SCHEMA_NEWER, when the database has one it does not know", async () => {
    const url = postgres.createDatabase("newer");
    const ws = pgWorkspace(url);
    expect((await ws.intake(["runs", "list"])).code).toBe(0);
    const store = await openStore(url);
    await sql`insert into kysely_migration (name, timestamp) values ('0099_future', ${new Date().toISOString()})`.execute(store.db);
    await store.close();
    const refused = await ws.intake(["runs", "list"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("SCHEMA_NEWER: the database has migrations this Intake does not know (0099_future); run a newer Intake\n");
    await expect(openStore(url)).rejects.toMatchObject({ code: "SCHEMA_NEWER", status: 503 });
    // serve refuses too, before it listens.
    const serve = await ws.intake(["serve", "--port", "0"]);
    expect([serve.code, serve.stdout, serve.stderr.trim()]).toEqual([1, "", "SCHEMA_NEWER: the database has migrations this Intake does not know (0099_future); run a newer Intake"]);
  });
});

describe("GET /api/health", () => {
  it("answers intake serve's health without a session, before any user exists, and 503 with the reason when the schema is not this build's", async () => {
    const url = postgres.createDatabase("serve_health");
    const ws = pgWorkspace(url);
    const app = await startConsole(ws, ["--no-scheduler"]);
    const store = await openStore(url);
    try {
      expect(app.output()).toContain("/setup?token=");
      const healthy = await fetch(`${app.base}/api/health`);
      expect([healthy.status, await healthy.json()]).toEqual([200, { ok: true, database: "reachable", schema: "current" }]);
      // The rest of the API still wants a session.
      expect((await fetch(`${app.base}/api/cases`)).status).toBe(401);

      await sql`insert into kysely_migration (name, timestamp) values ('0099_future', ${new Date().toISOString()})`.execute(store.db);
      const newer = await fetch(`${app.base}/api/health`);
      expect([newer.status, await newer.json()]).toEqual([503, {
        ok: false, database: "reachable", schema: "newer",
        error: { code: "SCHEMA_NEWER", message: "the database has migrations this Intake does not know (0099_future); run a newer Intake" },
      }]);
      await sql`delete from kysely_migration where name in ('0099_future', '0017_workers')`.execute(store.db);
      const behind = await fetch(`${app.base}/api/health`);
      expect([behind.status, await behind.json()]).toEqual([503, {
        ok: false, database: "reachable", schema: "behind", error: { code: "SCHEMA_BEHIND", message: "migrations not run on the database yet: 0017_workers" },
      }]);
    } finally {
      await store.close();
      await app.stop();
    }
  });

  it("answers on the standalone health server, and 503 once PostgreSQL is stopped", async () => {
    const url = postgres.createDatabase("worker_health");
    const store = await openStore(url);
    const server = await serveHealth(0, store, "127.0.0.1");
    try {
      for (const path of ["/health", "/api/health"]) {
        const answer = await fetch(`http://127.0.0.1:${server.port}${path}`);
        expect([path, answer.status, await answer.json()]).toEqual([path, 200, { ok: true, database: "reachable", schema: "current" }]);
      }
      const other = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect([other.status, ((await other.json()) as { error: { code: string } }).error.code]).toEqual([404, "NOT_FOUND"]);

      postgres.stop();
      const down = await fetch(`http://127.0.0.1:${server.port}/health`);
      const body = await down.json() as { ok: boolean; database: string; error: { code: string; message: string } };
      expect([down.status, body.ok, body.database, body.error.code]).toEqual([503, false, "unreachable", "DB_UNREACHABLE"]);
      expect(body.error.message).toMatch(/^the database does not answer: ./);
      expect(await checkHealth(store, 1000)).toMatchObject({ ok: false, database: "unreachable", schema: "unknown" });
    } finally {
      await server.close();
      await store.close();
    }
  });
});
