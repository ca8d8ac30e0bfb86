// Queue mode's workers as the operator sees them, on a real PostgreSQL: `intake workers list [--json]`,
// `intake runs list --json` with each run's worker, GET /api/workers and the worker on /api/runs, and in
// Debian's Chromium the Workers page and a connector's run history with its Worker column, in English and
// Korean (screenshots under test-artifacts/). The worker rows and runs are written straight to the database.
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/platform/store/index.js";
import { consoleSession, type ConsoleSession } from "./support/console-session.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "./support/cli.js";
import { createConnector } from "./support/email-workspace.js";
import { startPostgres, type Postgres } from "./support/postgres.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "workers-admin-password-1";
const ALIVE = "a1a1a1a1-0000-4000-8000-000000000001";
const STOPPED = "b2b2b2b2-0000-4000-8000-000000000002";
const LOST = "c3c3c3c3-0000-4000-8000-000000000003";
/** A worker whose row is gone: its runs keep the id. */
const GONE = "d4d4d4d4-0000-4000-8000-000000000004";
const MINUTE = 60_000;

let postgres: Postgres;
let ws: Workspace;
let store: Store;
let session: ConsoleSession;
const runIds: Record<string, number> = {};
const started = Date.now() - 10 * MINUTE;

function shot(page: Page, name: string) {
  return page.screenshot({ path: path.join(ARTIFACTS, `workers-${name}.png`), fullPage: true });
}

/** The alive worker's heartbeat, as its process would write it every few seconds. */
async function beat(): Promise<void> {
  await store.db.updateTable("workers").set({ heartbeat_at: Date.now() }).where("id", "=", ALIVE).execute();
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  postgres = await startPostgres();
  const url = postgres.createDatabase("workers_console");
  ws = makeWorkspace({ INTAKE_DB: url, INTAKE_HOME: "" });
  expect((await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } })).code).toBe(0);
  const params = {
    Username: "reports",
    Password: "not-used-here",
    "IMAP Server Address": "imap.invalid",
    "IMAP Port": 993,
    "Folder to check for emails": "INBOX",
  };
  for (const name of ["mailbox", "other"]) await createConnector(ws, name, "email", params);
  store = await openStore(url);
  await store.db
    .insertInto("workers")
    .values([
      {
        id: ALIVE,
        host: "worker-host-a",
        pid: 4242,
        concurrency: 4,
        started_at: started,
        heartbeat_at: Date.now(),
        stopped_at: null,
        runs_active: 2,
      },
      {
        id: STOPPED,
        host: "worker-host-b",
        pid: 5151,
        concurrency: 2,
        started_at: started - MINUTE,
        heartbeat_at: started,
        stopped_at: started,
        runs_active: 0,
      },
      {
        id: LOST,
        host: "worker-host-c",
        pid: 6161,
        concurrency: 8,
        started_at: started - 2 * MINUTE,
        heartbeat_at: Date.now() - 2 * MINUTE,
        stopped_at: null,
        runs_active: 1,
      },
    ])
    .execute();
  const connectors = Object.fromEntries(
    (await store.db.selectFrom("connectors").select(["id", "name"]).execute()).map((c) => [c.name, c.id]),
  );
  const run = async (
    key: string,
    connector: string,
    worker: string | null,
    at: number,
    status: "succeeded" | "running" | "interrupted",
    ingested: number,
  ) => {
    const row = await store.db
      .insertInto("runs")
      .values({
        connector_id: connectors[connector]!,
        is_test: 0,
        status,
        started_at: at,
        finished_at: status === "running" ? null : at + 4000,
        fetched: ingested,
        alerts: ingested,
        ingested,
        logs: "[]",
        owner: "test",
        worker_id: worker,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    runIds[key] = row.id;
  };
  await run("embedded", "mailbox", null, started, "succeeded", 3);
  await run("gone", "mailbox", GONE, started + MINUTE, "interrupted", 0);
  await run("lost", "other", LOST, started + 2 * MINUTE, "succeeded", 5);
  await run("alive", "mailbox", ALIVE, started + 3 * MINUTE, "running", 0);
  session = await consoleSession(ws, ["--no-scheduler"]);
}, 120_000);

afterAll(async () => {
  await session?.close();
  await store?.close();
  postgres?.stop();
});

describe("intake workers list and intake runs list --json", () => {
  it("lists every worker with its state, as a table and as JSON", async () => {
    await beat();
    const json = await ws.intake(["workers", "list", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const workers = ws.lastJson({ ...json, stdout: `{"w":${json.stdout.trim()}}` }).w as Record<string, unknown>[];
    expect(workers.map((w) => [w.id, w.host, w.pid, w.concurrency, w.runs_active, w.state])).toEqual([
      [ALIVE, "worker-host-a", 4242, 4, 2, "alive"],
      [STOPPED, "worker-host-b", 5151, 2, 0, "stopped"],
      [LOST, "worker-host-c", 6161, 8, 1, "lost"],
    ]);
    expect(workers[0]).toMatchObject({ started_at: started, stopped_at: null });
    expect(workers[1]).toMatchObject({ stopped_at: started, heartbeat_at: started });

    const listed = await ws.intake(["workers", "list"]);
    const lines = listed.stdout.trim().split("\n");
    expect(lines[0]!.split(/\s+/)).toEqual(["ID", "HOST", "PID", "CONCURRENCY", "STARTED", "HEARTBEAT", "RUNS", "STATE"]);
    expect(lines.slice(1).map((line) => [line.split(/\s+/)[1], line.split(/\s+/).at(-1)])).toEqual([
      ["worker-host-a", "alive"],
      ["worker-host-b", "stopped"],
      ["worker-host-c", "lost"],
    ]);
  });

  it("gives each run its connector, worker, times, status and counts, every run by default, one connector's with --connector", async () => {
    const all = await ws.intake(["runs", "list", "--json"]);
    expect(all.code, all.stderr).toBe(0);
    const runs = JSON.parse(all.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>[];
    expect(runs.map((r) => [r.id, r.connector, r.worker, r.status, r.ingested])).toEqual([
      [runIds.alive, "mailbox", ALIVE, "running", 0],
      [runIds.lost, "other", LOST, "succeeded", 5],
      [runIds.gone, "mailbox", GONE, "interrupted", 0],
      [runIds.embedded, "mailbox", null, "succeeded", 3],
    ]);
    expect(runs[0]).toMatchObject({ started_at: started + 3 * MINUTE, finished_at: null });
    expect(runs[3]).toMatchObject({ started_at: started, finished_at: started + 4000 });
    for (const run of runs)
      expect(Object.keys(run).slice(0, 7)).toEqual(["id", "connector", "worker", "started_at", "finished_at", "status", "ingested"]);

    const other = JSON.parse((await ws.intake(["runs", "list", "--connector", "other", "--json"])).stdout) as Record<string, unknown>[];
    expect(other.map((r) => r.id)).toEqual([runIds.lost]);
    const limited = JSON.parse((await ws.intake(["runs", "list", "--json", "--limit", "2"])).stdout) as Record<string, unknown>[];
    expect(limited.map((r) => r.id)).toEqual([runIds.alive, runIds.lost]);
    // The table stays as it was.
    const table = await ws.intake(["runs", "list"]);
    expect(table.stdout.split("\n")[0]!.split(/\s+/)).toEqual([
      "ID",
      "CONNECTOR",
      "TEST",
      "STATUS",
      "STARTED",
      "MS",
      "FETCHED",
      "INGESTED",
      "DUPLICATES",
      "FAILED",
      "ERROR",
    ]);
    const bad = await ws.intake(["runs", "list", "--json", "--limit", "none"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('a whole number of 1 or more, got "none"');
  });
});

describe("the API", () => {
  it("answers GET /api/workers to a signed-in user only, and gives each run its worker", async () => {
    await beat();
    expect((await fetch(`${session.base}/api/workers`)).status).toBe(401);
    const login = await fetch(`${session.base}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const answer = (await (await fetch(`${session.base}/api/workers`, { headers: { cookie } })).json()) as {
      workers: Record<string, unknown>[];
      lostAfterMs: number;
    };
    expect(answer.lostAfterMs).toBe(30_000);
    expect(answer.workers.map((w) => [w.id, w.host, w.pid, w.runsActive, w.state])).toEqual([
      [ALIVE, "worker-host-a", 4242, 2, "alive"],
      [STOPPED, "worker-host-b", 5151, 0, "stopped"],
      [LOST, "worker-host-c", 6161, 1, "lost"],
    ]);
    const runs = (await (await fetch(`${session.base}/api/runs?connector=mailbox`, { headers: { cookie } })).json()) as {
      runs: Record<string, unknown>[];
    };
    expect(runs.runs.map((r) => [r.id, r.worker, r.worker_host, r.worker_pid])).toEqual([
      [runIds.alive, ALIVE, "worker-host-a", 4242],
      [runIds.gone, GONE, null, null],
      [runIds.embedded, null, null, null],
    ]);
    const one = (await (await fetch(`${session.base}/api/runs/${runIds.alive}`, { headers: { cookie } })).json()) as Record<
      string,
      unknown
    >;
    expect(one.worker_id).toBe(ALIVE);
  });
});

describe("the console in a real browser", () => {
  it("lists the workers, and shows which worker ran each run in a connector's history", async () => {
    await beat();
    const page = await session.signedIn("admin", PASSWORD, "en-US");
    await page.locator('nav a[href="/workers"]').click();
    await page.getByRole("heading", { name: "Workers" }).waitFor();
    expect(await page.locator("thead th").allTextContents()).toEqual([
      "Host",
      "PID",
      "Started",
      "Last heartbeat",
      "Runs under way",
      "Concurrency",
      "State",
    ]);
    const cells = async (id: string) => page.locator(`tr[data-worker="${id}"] td`).allTextContents();
    const alive = await cells(ALIVE);
    expect([alive[0], alive[1], alive[4], alive[5], alive[6]]).toEqual(["worker-host-a", "4242", "2", "4", "alive"]);
    expect(alive[3]).toMatch(/now|second/);
    expect((await cells(STOPPED))[6]).toBe("stopped");
    const lost = await cells(LOST);
    expect([lost[0], lost[3], lost[6]]).toEqual(["worker-host-c", "2 minutes ago", "lost"]);
    await shot(page, "1-list-en");

    await page.locator('nav a[href="/connectors"]').click();
    await page.locator('li[data-connector="mailbox"]').getByRole("link", { name: "Run history" }).click();
    await page.getByRole("heading", { name: "Run history of mailbox" }).waitFor();
    expect(await page.locator("thead th").nth(6).textContent()).toBe("Worker");
    const worker = (key: string) => page.locator(`tr[data-run-id="${runIds[key]}"] td.run-worker`);
    await expect.poll(() => worker("alive").textContent()).toBe("worker-host-a · PID 4242");
    expect(await worker("alive").locator("span").getAttribute("title")).toBe(ALIVE);
    expect(await worker("gone").textContent()).toBe("worker d4d4d4d4");
    expect(await worker("embedded").textContent()).toBe("not a worker");
    // Only this connector's runs.
    expect(await page.locator(`tr[data-run-id="${runIds.lost}"]`).count()).toBe(0);
    await shot(page, "2-runs-en");
    await page.getByRole("link", { name: "All runs" }).click();
    await page.getByRole("heading", { name: "Run history" }).waitFor();
    await expect.poll(() => worker("lost").textContent()).toBe("worker-host-c · PID 6161");
    expect(session.cspViolations).toEqual([]);
  }, 120_000);

  it("speaks Korean", async () => {
    await beat();
    const page = await session.signedIn("admin", PASSWORD, "ko-KR");
    await page.goto(`${session.base}/workers`);
    await page.getByRole("heading", { name: "워커" }).waitFor();
    expect(await page.locator('nav a[href="/workers"]').textContent()).toBe("워커");
    expect(await page.locator("thead th").allTextContents()).toEqual([
      "호스트",
      "PID",
      "시작",
      "마지막 하트비트",
      "진행 중인 실행",
      "동시 실행 수",
      "상태",
    ]);
    expect((await page.locator(`tr[data-worker="${ALIVE}"] td`).allTextContents())[6]).toBe("활성");
    expect((await page.locator(`tr[data-worker="${STOPPED}"] td`).allTextContents())[6]).toBe("중지됨");
    expect((await page.locator(`tr[data-worker="${LOST}"] td`).allTextContents())[6]).toBe("유실");
    await shot(page, "3-list-ko");
    await page.goto(`${session.base}/runs?connector=mailbox`);
    await page.getByRole("heading", { name: "mailbox의 실행 기록" }).waitFor();
    expect(await page.locator("thead th").nth(6).textContent()).toBe("워커");
    expect(await page.locator(`tr[data-run-id="${runIds.embedded}"] td.run-worker`).textContent()).toBe("워커 아님");
    await shot(page, "4-runs-ko");
    expect(session.cspViolations).toEqual([]);
  }, 60_000);
});
