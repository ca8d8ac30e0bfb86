// A killed run never blocks the next one: runs SIGKILLed by process group through the real CLI, on SQLite and PostgreSQL,
// against a real Dovecot.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProcessStat } from "../src/platform/runner/liveness.js";
import { acquireLease } from "../src/platform/runner/lock.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { PROJECT_ROOT, makeWorkspace, type Workspace } from "./support/cli.js";
import { countUnread, deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { createEmailConnector } from "./support/email-workspace.js";
import { makeReports } from "./support/messages.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { waitFor } from "./support/wait.js";

const REPORTS = 3_000;
/** Into successive runs, as the issue reproduces it. */
const KILL_AFTER_MS = [300, 1_000, 2_000];

let server: Dovecot;
let postgres: Postgres;
/** The processes that keep the killed runs as zombies: ended last. */
const keepers: ChildProcess[] = [];

beforeAll(async () => {
  [server, postgres] = await Promise.all([startDovecot(), startPostgres()]);
});
afterAll(async () => {
  await Promise.all(
    keepers.map(
      (keeper) =>
        new Promise((resolve) => {
          keeper.once("close", resolve);
          keeper.kill("SIGKILL");
        }),
    ),
  );
  await server?.stop();
  postgres?.stop();
});

function stateOf(pid: number): string | undefined {
  try {
    return parseProcessStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))?.state;
  } catch {
    return undefined;
  }
}

/**
 * Starts `setsid intake ARGS…` as a grandchild of this process, under a parent that never waits for
 * its children: once killed, it stays a zombie, as in a container whose first process reaps nothing
 * (this process would reap a child of its own at once). Returns the run's pid (its process group).
 */
async function startUnreaped(ws: Workspace, args: string[], output: string): Promise<number> {
  const keeper = spawn(
    "sh",
    [
      "-c",
      'out=$1; shift; setsid "$@" >"$out" 2>&1 & echo $!; exec sleep 600',
      "sh",
      output,
      process.execPath,
      path.join(PROJECT_ROOT, "bin", "intake.js"),
      ...args,
    ],
    {
      cwd: ws.dir,
      env: { ...process.env, ...ws.env },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  keepers.push(keeper);
  return new Promise<number>((resolve, reject) => {
    keeper.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    keeper.once("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Every unread report in once; runs killed by process group at 0.3, 1 and 2 s into successive runs;
 * then one more run that must complete. "Into the run" counts from when it holds the lock (its row
 * exists): on a loaded machine Node's start alone can take two seconds, and a run killed before it
 * holds the lock tests nothing of the lock.
 */
async function killSequence(ws: Workspace, db: string[], store: Store): Promise<void> {
  const reports = makeReports(REPORTS);
  deliverToMaildir(
    server,
    reports.map((r) => r.raw),
  );
  await createEmailConnector(ws, server, "mail", {}, { global: db });
  const pidOf = (owner: string) => Number(owner.split(":")[1]);
  const runningPids = async () =>
    (await store.db.selectFrom("runs").select("owner").where("status", "=", "running").execute()).map((r) => pidOf(r.owner));

  const runs: { pid: number; finished: boolean }[] = [];
  for (const [index, delay] of KILL_AFTER_MS.entries()) {
    const output = path.join(ws.dir, `killed-${index}.log`);
    const pid = await startUnreaped(ws, [...db, "connector", "run", "mail", "--json"], output);
    await waitFor(async () => stateOf(pid) === "Z" || (await runningPids()).includes(pid), 60_000);
    await sleep(delay);
    process.kill(-pid, "SIGKILL");
    // The honest case: the killed run lingers as a zombie, its pid still reachable by kill(pid, 0).
    await waitFor(() => stateOf(pid) === "Z", 10_000, 10);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const printed = fs.readFileSync(output, "utf8");
    expect(printed).not.toContain("RUN_IN_PROGRESS");
    // A run that ended before its kill printed its summary.
    runs.push({ pid, finished: printed.includes('"status"') });
  }
  expect(runs.filter((run) => !run.finished).length, "every run ended before its kill").toBeGreaterThan(0);

  const final = await ws.intake([...db, "connector", "run", "mail", "--json"]);
  expect(final.code, final.stderr).toBe(0);
  expect(ws.lastJson(final)).toMatchObject({ status: "succeeded", failed: 0 });
  expect(await countUnread(server)).toBe(0);

  const exported = await ws.intake([...db, "cases", "export", "--jsonl"]);
  expect(exported.code, exported.stderr).toBe(0);
  const ids = exported.stdout
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { alerts: { display_id: string }[] }).alerts.map((a) => a.display_id));
  expect(ids.length).toBe(new Set(ids).size);
  expect(ids.sort()).toEqual(reports.map((r) => r.messageId).sort());

  const recorded = await store.db.selectFrom("runs").select(["status", "owner"]).orderBy("id").execute();
  expect(recorded.map((run) => run.status)).toEqual([...runs.map((run) => (run.finished ? "succeeded" : "interrupted")), "succeeded"]);
  expect(recorded.slice(0, -1).map((run) => pidOf(run.owner))).toEqual(runs.map((run) => run.pid));
}

describe.runIf(fs.existsSync("/proc/self/stat"))("a run killed by process group never blocks the next one", () => {
  it("on SQLite: the next run completes at once, every message exactly once, none unread", async () => {
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
    const store = await openStore(ws.db);
    try {
      await killSequence(ws, [], store);
    } finally {
      await store.close();
    }
  });

  it("on PostgreSQL: the same, the database dropping each killed run's lock with its connection", async () => {
    const url = postgres.createDatabase("killed_runs");
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_DB: "", INTAKE_HOME: "" });
    const store = await openStore(url);
    try {
      await killSequence(ws, ["--db", url], store);
    } finally {
      await store.close();
    }
  });
});

describe("the run lock on PostgreSQL", () => {
  it("refuses a second run while the first holds it, and ends when the holder's connection dies", async () => {
    const url = postgres.createDatabase("run_lock");
    const [first, second] = [await openStore(url), await openStore(url)];
    try {
      const lease = await acquireLease(first, 1, "mail");
      const run = await first.db
        .insertInto("runs")
        .values({
          connector_id: 1,
          is_test: 0,
          status: "running",
          started_at: Date.now(),
          finished_at: null,
          error: null,
          owner: lease.owner,
          logs: "[]",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await expect(acquireLease(second, 1, "mail")).rejects.toMatchObject({
        code: "RUN_IN_PROGRESS",
        message: `connector "mail" is already running (${os.hostname()} pid ${process.pid})`,
      });
      // Another connector is not held up, and a released lock is free at once.
      await (await acquireLease(second, 2, "other")).release();
      await (await acquireLease(first, 2, "other")).release();

      // The holder's session ends as a killed process's does: the database drops its lock.
      const holders = await sql<{ pid: number }>`select pid from pg_locks where locktype = 'advisory' and objid = 1 and granted`.execute(
        second.db,
      );
      expect(holders.rows).toHaveLength(1);
      await sql`select pg_terminate_backend(${holders.rows[0]!.pid}, 10000)`.execute(second.db);
      const next = await acquireLease(second, 1, "mail");
      const left = await second.db.selectFrom("runs").select(["status", "error"]).where("id", "=", run.id).executeTakeFirstOrThrow();
      expect(left).toEqual({ status: "interrupted", error: "the process running it stopped before the run ended" });
      await lease.release(); // its connection is gone: nothing to do, nothing thrown
      await expect(acquireLease(first, 1, "mail")).rejects.toMatchObject({ code: "RUN_IN_PROGRESS" });
      await next.release();
      await (await acquireLease(first, 1, "mail")).release();
    } finally {
      await first.close();
      await second.close();
    }
  });
});
