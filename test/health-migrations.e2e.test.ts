// Health and migrations on a real PostgreSQL: GET /api/health without a session on `intake serve` and on
// the standalone health server (200 when current; 503 with the reason when the schema is behind, newer,
// or the database is stopped); migrations run once when processes start together; an older build refuses
// a database a newer one migrated, with one line and a catalog code.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
  const rows = await sql<{ name: string; n: number | string }>`select name, count(*) as n from kysely_migration group by name`.execute(
    store.db,
  );
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
    expect([serve.code, serve.stdout, serve.stderr.trim()]).toEqual([
      1,
      "",
      "SCHEMA_NEWER: the database has migrations this Intake does not know (0099_future); run a newer Intake",
    ]);
  });
});

describe("GET /api/health", () => {
  it("answers intake serve's health without a session, before any user exists, and 503 with the reason when the schema \
is not this build's", async () => {
    const url = postgres.createDatabase("serve_health");
    const ws = pgWorkspace(url);
    const app = await startConsole(ws, ["--no-scheduler"]);
    const store = await openStore(url);
    try {
      expect(app.output()).toContain("/setup?token=");
      const healthy = await fetch(`${app.base}/api/health`);
      // intake serve's health also says which sandbox runs integration code.
      expect([healthy.status, await healthy.json()]).toEqual([
        200,
        { ok: true, database: "reachable", schema: "current", sandbox: expect.stringMatching(/^(namespaces|permission-model)$/) },
      ]);
      // The rest of the API still wants a session.
      expect((await fetch(`${app.base}/api/cases`)).status).toBe(401);

      await sql`insert into kysely_migration (name, timestamp) values ('0099_future', ${new Date().toISOString()})`.execute(store.db);
      const newer = await fetch(`${app.base}/api/health`);
      expect([newer.status, await newer.json()]).toEqual([
        503,
        {
          ok: false,
          database: "reachable",
          schema: "newer",
          sandbox: expect.any(String),
          error: {
            code: "SCHEMA_NEWER",
            message: "the database has migrations this Intake does not know (0099_future); run a newer Intake",
          },
        },
      ]);
      await sql`delete from kysely_migration where name in ('0099_future', '0017_workers')`.execute(store.db);
      const behind = await fetch(`${app.base}/api/health`);
      expect([behind.status, await behind.json()]).toEqual([
        503,
        {
          ok: false,
          database: "reachable",
          schema: "behind",
          sandbox: expect.any(String),
          error: { code: "SCHEMA_BEHIND", message: "migrations not run on the database yet: 0017_workers" },
        },
      ]);
    } finally {
      await store.close();
      await app.stop();
    }
  });

  it("answers on intake worker's --health-port while it runs, on loopback unless --health-host, and the worker drains \
on SIGTERM", async () => {
    const url = postgres.createDatabase("worker_port");
    const ws = pgWorkspace(url);
    const start = (args: string[]) => {
      const worker = ws.spawnIntake(["worker", "--concurrency", "1", "--health-port", "0", ...args]);
      let output = "";
      worker.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      worker.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
      const port = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no health port: ${output}`)), 60_000);
        const look = () => {
          const match = /health on port (\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        };
        worker.stdout!.on("data", look);
        void exited.then((code) => reject(new Error(`intake worker exited ${code}: ${output}`)));
      });
      return { worker, exited, port, output: () => output };
    };
    const local = start([]);
    const open = start(["--health-host", "0.0.0.0"]);
    try {
      const port = await local.port;
      expect(local.output()).toContain(`health on port ${port} of 127.0.0.1`);
      for (const path of ["/health", "/api/health"]) {
        const answer = await fetch(`http://127.0.0.1:${port}${path}`);
        expect([path, answer.status, await answer.json()]).toEqual([path, 200, { ok: true, database: "reachable", schema: "current" }]);
      }
      // Another address of this machine does not reach a port bound to 127.0.0.1 alone.
      await expect(fetch(`http://127.0.0.2:${port}/health`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
      const openPort = await open.port;
      expect((await fetch(`http://127.0.0.2:${openPort}/health`)).status).toBe(200);
    } finally {
      local.worker.kill("SIGTERM");
      open.worker.kill("SIGTERM");
    }
    expect(await local.exited, local.output()).toBe(0);
    expect(await open.exited, open.output()).toBe(0);
    expect(local.output()).toMatch(/intake worker \S+: stopped/);
  });

  it("refuses a --health-port in use with one line", async () => {
    const url = postgres.createDatabase("worker_port_taken");
    const store = await openStore(url);
    const taken = await serveHealth(0, store, "127.0.0.1");
    try {
      const ws = pgWorkspace(url);
      const worker = await ws.intake(["worker", "--health-port", String(taken.port)]);
      expect(worker.code).toBe(1);
      expect(worker.stderr.trim()).toMatch(new RegExp(`^HEALTH_LISTEN: cannot serve health checks on port ${taken.port}: .*EADDRINUSE`));
    } finally {
      await taken.close();
      await store.close();
    }
  });

  it("answers on the standalone health server and intake serve, and 503 without the driver's text once PostgreSQL is stopped", async () => {
    const url = postgres.createDatabase("worker_health");
    const store = await openStore(url);
    const logged: string[] = [];
    const server = await serveHealth(0, store, "127.0.0.1", (message) => logged.push(message));
    const app = await startConsole(pgWorkspace(url), ["--no-scheduler"]);
    try {
      for (const path of ["/health", "/api/health"]) {
        const answer = await fetch(`http://127.0.0.1:${server.port}${path}`);
        expect([path, answer.status, await answer.json()]).toEqual([path, 200, { ok: true, database: "reachable", schema: "current" }]);
      }
      const other = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect([other.status, ((await other.json()) as { error: { code: string } }).error.code]).toEqual([404, "NOT_FOUND"]);

      postgres.stop();
      const down = await fetch(`http://127.0.0.1:${server.port}/health`);
      const body = (await down.json()) as { ok: boolean; database: string; error: { code: string; message: string } };
      // Anyone may probe: the answer is fixed, the driver's error (addresses, paths, user names) is logged.
      const unreachable = {
        ok: false,
        database: "unreachable",
        schema: "unknown",
        error: { code: "DB_UNREACHABLE", message: "the database does not answer (the server's log says why)" },
      };
      expect([down.status, body]).toEqual([503, unreachable]);
      expect(logged.at(-1)).toMatch(/^health: the database does not answer: ./);
      const served = await fetch(`${app.base}/api/health`);
      expect([served.status, await served.json()]).toEqual([503, { ...unreachable, sandbox: expect.any(String) }]);
      expect(app.output()).toMatch(/health: the database does not answer: ./);
      expect(await checkHealth(store, 1000, () => undefined)).toMatchObject({ ok: false, database: "unreachable", schema: "unknown" });
    } finally {
      await app.stop();
      await server.close();
      await store.close();
    }
  });
});

describe("on SQLite", () => {
  it("checks health and refuses a newer schema the same way", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-health-"));
    const file = path.join(dir, "intake.db");
    const store = await openStore(file);
    try {
      expect(await checkHealth(store)).toEqual({ ok: true, database: "reachable", schema: "current" });
      await sql`insert into kysely_migration (name, timestamp) values ('0099_future', ${new Date().toISOString()})`.execute(store.db);
      expect(await checkHealth(store)).toMatchObject({
        ok: false,
        database: "reachable",
        schema: "newer",
        error: { code: "SCHEMA_NEWER" },
      });
    } finally {
      await store.close();
    }
    await expect(openStore(file)).rejects.toMatchObject({
      code: "SCHEMA_NEWER",
      message: "the database has migrations this Intake does not know (0099_future); run a newer Intake",
    });
  });
});
