// Queue mode end to end: real `intake worker` processes on a real PostgreSQL taking the runs of connectors
// on a real Dovecot's mailboxes; killed, drained and poisoned, every message ends as exactly one case.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/platform/store/index.js";
import { saveUser } from "../src/platform/users/index.js";
import { getConnector } from "../src/platform/catalog/index.js";
import { acquireLease } from "../src/platform/runner/index.js";
import { listWorkers } from "../src/platform/workers/index.js";
import { PROJECT_ROOT, makeWorkspace, type Workspace } from "./support/cli.js";
import { startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import { makeReports, type Report } from "./support/messages.js";
import { writePackage } from "./support/packages.js";
import { startPostgres, type Postgres } from "./support/postgres.js";
import { waitFor } from "./support/wait.js";

const BOXES = ["box1", "box2", "box3", "big", "drain", "poison", "push", "served", "runnow", "dropped", "random"];

let dovecot: Dovecot;
let postgres: Postgres;
const started: ChildProcess[] = [];

beforeAll(async () => {
  [dovecot, postgres] = await Promise.all([startDovecot({ users: BOXES }), startPostgres()]);
}, 120_000);
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) killGroup(child, "SIGKILL");
  await dovecot?.stop();
  postgres?.stop();
});

const address = (box: string) => `${box}@example.test`;

async function deliver(box: string, reports: Report[]): Promise<void> {
  await withImap(
    dovecot,
    async (client) => {
      for (const report of reports) await client.append("INBOX", report.raw, []);
    },
    address(box),
  );
}

function unread(box: string): Promise<number> {
  return withImap(
    dovecot,
    async (client) => {
      const status = await client.status("INBOX", { unseen: true });
      return status ? (status.unseen ?? 0) : 0;
    },
    address(box),
  );
}

interface Cluster {
  ws: Workspace;
  url: string;
  /** The test's own connection, to read what the workers did. */
  store: Store;
}

async function cluster(name: string): Promise<Cluster> {
  const url = postgres.createDatabase(name);
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile, INTAKE_DB: url });
  const store = await openStore(url);
  return { ws, url, store };
}

async function emailConnector(c: Cluster, name: string, box: string, interval: number, extra: Record<string, unknown> = {}): Promise<void> {
  const params = c.ws.writeJson(`${name}.json`, dovecot.params({ Username: address(box), ...extra }));
  const created = await c.ws.intake([
    "connector",
    "create",
    name,
    "--integration",
    "email",
    "--interval",
    String(interval),
    "--params",
    params,
  ]);
  expect(created.code, created.stderr).toBe(0);
}

interface WorkerProcess {
  child: ChildProcess;
  id: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `intake worker ARGS…` in a process group of its own (so that a kill takes its connectors' processes too). */
async function startWorkerProcess(c: Cluster, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "intake.js"), "worker", ...args], {
    cwd: c.ws.dir,
    env: { ...process.env, ...c.ws.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  await waitFor(() => /intake worker \S+: started/.test(output) || child.exitCode !== null, 60_000, 50);
  const id = /intake worker (\S+): started/.exec(output)?.[1];
  if (!id) throw new Error(`the worker did not start:\n${output}`);
  return { child, id, output: () => output, exited };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** `intake serve --queue --port 0`, and its port once it listens. */
async function startServe(c: Cluster): Promise<{ child: ChildProcess; port: number; output(): string }> {
  const child = c.ws.spawnIntake(["serve", "--queue", "--port", "0"]);
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+ \(queue mode/.test(output) || child.exitCode !== null, 60_000, 100);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  if (!port) throw new Error(`serve did not start:\n${output}`);
  return { child, port, output: () => output };
}

async function alertIds(store: Store, connector: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom("alerts")
    .innerJoin("connectors", "connectors.id", "alerts.connector_id")
    .select("alerts.alert_id")
    .where("connectors.name", "=", connector)
    .execute();
  return rows.map((row) => row.alert_id);
}

async function runsOf(store: Store, connector: string) {
  return store.db
    .selectFrom("runs")
    .innerJoin("connectors", "connectors.id", "runs.connector_id")
    .select(["runs.id", "runs.status", "runs.started_at", "runs.finished_at", "runs.worker_id", "runs.error"])
    .where("connectors.name", "=", connector)
    .where("runs.is_test", "=", 0)
    .orderBy("runs.started_at")
    .execute();
}

/**
 * No run of the connector started before the one before it ended. An interrupted run's end is when the
 * next holder of the lock recorded it, after that run's start: its true end (the kill) is checked by the caller.
 */
function expectNoOverlap(runs: Awaited<ReturnType<typeof runsOf>>): void {
  for (let i = 1; i < runs.length; i++) {
    const previous = runs[i - 1]!;
    if (previous.status === "interrupted") continue;
    expect(previous.finished_at, `run ${previous.id} has ended`).not.toBeNull();
    expect(runs[i]!.started_at, `run ${runs[i]!.id} started after run ${previous.id} ended`).toBeGreaterThanOrEqual(previous.finished_at!);
  }
}

/** Every report of the mailbox is one alert of the connector, none twice, and none left unread. */
async function expectExactlyOnce(store: Store, connector: string, box: string, reports: Report[]): Promise<void> {
  const ids = await alertIds(store, connector);
  expect(ids.length, `${connector}: no report twice`).toBe(new Set(ids).size);
  expect(ids.sort()).toEqual(reports.map((report) => report.messageId).sort());
  expect(await unread(box), `${box}: nothing left unread`).toBe(0);
}

describe("queue mode: intake worker processes on one PostgreSQL", () => {
  it("two workers share three mailboxes: every message one case, none unread, no two runs of a connector at once, each \
run naming its worker", async () => {
    const c = await cluster("two_workers");
    try {
      const boxes = ["box1", "box2", "box3"];
      const reports = new Map(boxes.map((box) => [box, makeReports(120)]));
      for (const box of boxes) {
        await emailConnector(c, box, box, 2);
        await deliver(box, reports.get(box)!.slice(0, 60));
      }
      const workers = [
        await startWorkerProcess(c, ["--concurrency", "2", "--health-port", "0"]),
        await startWorkerProcess(c, ["--concurrency", "2"]),
      ];
      const healthPort = Number(/health on port (\d+)/.exec(workers[0]!.output())?.[1]);
      const health = await fetch(`http://127.0.0.1:${healthPort}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });
      // More mail while they run: several runs per connector, taken by either worker.
      for (const box of boxes) await deliver(box, reports.get(box)!.slice(60));
      await waitFor(
        async () =>
          (await Promise.all(boxes.map((box) => alertIds(c.store, box)))).every((ids, i) => ids.length >= reports.get(boxes[i]!)!.length),
        240_000,
        500,
      );

      const listed = await listWorkers(c.store);
      expect(listed.map((worker) => worker.id).sort()).toEqual(workers.map((worker) => worker.id).sort());
      for (const worker of listed)
        expect(worker).toMatchObject({ state: "alive", concurrency: 2, stoppedAt: null, pid: expect.any(Number) });

      for (const worker of workers) killGroup(worker.child, "SIGTERM");
      for (const worker of workers) expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      for (const worker of await listWorkers(c.store)) expect(worker.state).toBe("stopped");

      const ranBy = new Set<string>();
      for (const box of boxes) {
        await expectExactlyOnce(c.store, box, box, reports.get(box)!);
        const runs = await runsOf(c.store, box);
        expect(runs.length).toBeGreaterThan(1);
        expectNoOverlap(runs);
        for (const run of runs) {
          expect(workers.map((worker) => worker.id)).toContain(run.worker_id);
          ranBy.add(run.worker_id!);
        }
      }
      expect(ranBy.size, "both workers ran connectors").toBe(2);
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("a worker SIGKILLed mid-run: its run is recorded interrupted and another worker completes the batch, every message \
exactly once", async () => {
    const c = await cluster("killed_worker");
    try {
      const reports = makeReports(1500);
      await deliver("big", reports);
      await emailConnector(c, "big", "big", 2);
      const first = await startWorkerProcess(c, ["--concurrency", "1"]);
      // Killed once its run holds the lock and has stored part of the batch, not all of it.
      await waitFor(async () => (await alertIds(c.store, "big")).length > 50, 120_000, 100);
      const second = await startWorkerProcess(c, ["--concurrency", "1"]);
      const before = (await alertIds(c.store, "big")).length;
      killGroup(first.child, "SIGKILL");
      const killedAt = Date.now();
      expect(before).toBeLessThan(reports.length);

      // Taken over within the interval plus 30 s.
      await waitFor(async () => (await runsOf(c.store, "big")).some((run) => run.worker_id === second.id), 2_000 + 30_000, 100);
      expect(Date.now() - killedAt).toBeLessThan(32_000);
      await waitFor(async () => (await alertIds(c.store, "big")).length >= reports.length, 240_000, 500);
      killGroup(second.child, "SIGTERM");
      expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });

      await expectExactlyOnce(c.store, "big", "big", reports);
      const runs = await runsOf(c.store, "big");
      expectNoOverlap(runs);
      const killed = runs.filter((run) => run.worker_id === first.id);
      expect(killed.at(-1)).toMatchObject({ status: "interrupted" });
      // The run after the killed one started after the kill.
      expect(runs[runs.indexOf(killed.at(-1)!) + 1]!.started_at).toBeGreaterThanOrEqual(killedAt);
      expect(runs.filter((run) => run.worker_id === second.id).some((run) => run.status === "succeeded")).toBe(true);
      const listed = await listWorkers(c.store);
      // The killed worker never said it stopped: lost once its heartbeat is 30 s old.
      expect(listed.find((worker) => worker.id === first.id)).toMatchObject({ stoppedAt: null });
      expect(listed.find((worker) => worker.id === second.id)).toMatchObject({ state: "stopped" });
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("the IMAP server dropping the connection mid-FETCH (its imap process killed): the run fails cleanly, the next \
completes the batch, every message exactly once", async () => {
    const c = await cluster("imap_dropped");
    try {
      const reports = makeReports(1500);
      await deliver("dropped", reports);
      await emailConnector(c, "dropped", "dropped", 2);
      const worker = await startWorkerProcess(c, ["--concurrency", "1"]);
      // Part of the batch stored, the rest still being fetched: the server's session dies under the run.
      await waitFor(async () => (await alertIds(c.store, "dropped")).length > 50, 120_000, 20);
      const before = (await alertIds(c.store, "dropped")).length;
      expect(before).toBeLessThan(reports.length);
      expect(dovecot.killImapSessions()).toBeGreaterThan(0);

      await waitFor(async () => (await alertIds(c.store, "dropped")).length >= reports.length, 240_000, 500);
      await waitFor(async () => (await runsOf(c.store, "dropped")).some((run) => run.status === "succeeded"), 60_000, 200);
      killGroup(worker.child, "SIGTERM");
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });

      await expectExactlyOnce(c.store, "dropped", "dropped", reports);
      const runs = await runsOf(c.store, "dropped");
      expectNoOverlap(runs);
      // The cut run ended as a failure that names the lost connection, not a crash or a hang.
      const cut = runs.find((run) => run.status === "failed");
      console.log(`imap dropped: ${before} of ${reports.length} stored at the kill; ${runs.length} runs; the cut one: ${cut?.error}`);
      expect(cut?.error, JSON.stringify(runs)).toMatch(/IMAP_CONNECTION_LOST|connection .*(lost|closed)/i);
      expect(runs.some((run) => run.status === "succeeded" && run.started_at >= cut!.finished_at!)).toBe(true);
      expect(runs.every((run) => run.worker_id === worker.id)).toBe(true);
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("workers SIGKILLed at random moments, one after another, while two mailboxes are read: every message exactly once, \
none unread, no overlapping runs", async () => {
    const c = await cluster("random_kills");
    try {
      const boxes = ["random", "box1"];
      const reports = new Map(boxes.map((box) => [box, makeReports(1000)]));
      for (const box of boxes) {
        await deliver(box, reports.get(box)!);
        await emailConnector(c, box, box, 2);
      }
      const workers = [await startWorkerProcess(c), await startWorkerProcess(c)];
      const kills: string[] = [];
      const storedNow = async () => (await alertIds(c.store, "random")).length + (await alertIds(c.store, "box1")).length;
      for (let round = 0; round < 6; round++) {
        // A random moment: a random number more stored (mid-batch), or a random time (a worker starting,
        // fetching, marking read), whichever comes first.
        const target = (await storedNow()) + 1 + Math.floor(Math.random() * 250);
        const deadline = Date.now() + 500 + Math.floor(Math.random() * 4000);
        await waitFor(async () => Date.now() >= deadline || (await storedNow()) >= target, 10_000, 20);
        const index = Math.floor(Math.random() * workers.length);
        const stored = await storedNow();
        killGroup(workers[index]!.child, "SIGKILL");
        kills.push(`${stored}`);
        workers[index] = await startWorkerProcess(c);
      }
      console.log(`random kills, reports stored at each: ${kills.join(", ")} of 2000`);
      for (const box of boxes) await waitFor(async () => (await alertIds(c.store, box)).length >= reports.get(box)!.length, 300_000, 500);
      // The runs under way end before the count is read: none may still be storing or marking.
      await waitFor(
        async () => (await Promise.all(boxes.map((box) => runsOf(c.store, box)))).flat().every((run) => run.status !== "running"),
        120_000,
        250,
      );
      for (const worker of workers) killGroup(worker.child, "SIGTERM");
      for (const worker of workers) expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      for (const box of boxes) {
        await expectExactlyOnce(c.store, box, box, reports.get(box)!);
        expectNoOverlap(await runsOf(c.store, box));
      }
    } finally {
      await c.store.close();
    }
  }, 600_000);

  it("SIGTERM drains: past the grace period the run under way stops unacknowledged, the worker exits 0, and the next \
worker reads the rest", async () => {
    const c = await cluster("drained_worker");
    try {
      const reports = makeReports(1500);
      await deliver("drain", reports);
      await emailConnector(c, "drain", "drain", 2);
      const first = await startWorkerProcess(c, ["--concurrency", "1", "--grace", "1"]);
      await waitFor(async () => (await alertIds(c.store, "drain")).length > 50, 120_000, 100);
      killGroup(first.child, "SIGTERM");
      expect(await first.exited, first.output()).toEqual({ code: 0, signal: null });
      expect(first.output()).toMatch(/grace period of 1 s over: stopping 1 run/);
      const stored = (await alertIds(c.store, "drain")).length;
      expect(stored).toBeLessThan(reports.length);
      const drained = await runsOf(c.store, "drain");
      expect(drained.at(-1)).toMatchObject({ worker_id: first.id, status: "failed" });
      expect((await listWorkers(c.store))[0]).toMatchObject({ id: first.id, state: "stopped", runsActive: 0 });
      // Unacknowledged mail stays unread: what was not stored is read again.
      expect(await unread("drain")).toBeGreaterThanOrEqual(reports.length - stored);

      const second = await startWorkerProcess(c, ["--concurrency", "1"]);
      await waitFor(async () => (await alertIds(c.store, "drain")).length >= reports.length, 240_000, 500);
      killGroup(second.child, "SIGTERM");
      expect(await second.exited, second.output()).toEqual({ code: 0, signal: null });
      await expectExactlyOnce(c.store, "drain", "drain", reports);
      expectNoOverlap(await runsOf(c.store, "drain"));
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("a poison connector (one that always throws, one that hangs past its timeout) never stops a worker from serving \
the others", async () => {
    const c = await cluster("poison");
    try {
      const dir = writePackage(
        path.join(c.ws.dir, "pkg"),
        { name: "Poison" },
        {
          thrower: { code: `export default async function main(): Promise<void> {\n  throw new Error("the feed answered 503");\n}\n` },
          hanger: {
            json: { timeoutSeconds: 3 },
            code:
              `export default async function main(): Promise<void> {\n` +
              `  await new Promise(() => setInterval(() => undefined, 1000));\n}\n`,
          },
        },
      );
      const imported = await c.ws.intake(["integration", "import", dir]);
      expect(imported.code, imported.stderr).toBe(0);
      for (const name of ["thrower", "hanger"]) {
        const created = await c.ws.intake([
          "connector",
          "create",
          name,
          "--integration",
          "Poison",
          "--connector",
          name,
          "--interval",
          "1",
          "--params",
          c.ws.writeJson(`${name}.json`, {}),
        ]);
        expect(created.code, created.stderr).toBe(0);
      }
      const reports = makeReports(200);
      await emailConnector(c, "mail", "poison", 2);
      const worker = await startWorkerProcess(c, ["--concurrency", "2"]);
      await deliver("poison", reports.slice(0, 100));
      await waitFor(async () => (await alertIds(c.store, "mail")).length >= 100, 120_000, 200);
      await deliver("poison", reports.slice(100));
      await waitFor(async () => (await alertIds(c.store, "mail")).length >= reports.length, 120_000, 200);
      await waitFor(async () => (await runsOf(c.store, "hanger")).filter((run) => run.status === "timed_out").length >= 2, 60_000, 200);
      // The thrower is run again on its interval too (its slot shared with the hanger's 3 s runs and the mail's).
      await waitFor(async () => (await runsOf(c.store, "thrower")).filter((run) => run.status !== "running").length >= 2, 60_000, 200);
      killGroup(worker.child, "SIGTERM");
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });

      await expectExactlyOnce(c.store, "mail", "poison", reports);
      const thrown = await runsOf(c.store, "thrower");
      expect(thrown.length).toBeGreaterThanOrEqual(2);
      for (const run of thrown) expect(run).toMatchObject({ status: "failed", error: "CONNECTOR_FAILED: the feed answered 503" });
      for (const name of ["thrower", "hanger", "mail"]) expectNoOverlap(await runsOf(c.store, name));
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("refuses to start on SQLite, naming what it needs", async () => {
    const ws = makeWorkspace();
    const worker = await ws.intake(["worker"]);
    expect(worker.code).toBe(1);
    expect(worker.stderr.trim()).toMatch(
      /^QUEUE_NEEDS_POSTGRES: queue mode needs a PostgreSQL database \(INTAKE_DB=postgres:\/\/…\); this one is .*intake\.db$/,
    );
    const serve = await ws.intake(["serve", "--queue", "--port", "0"]);
    expect(serve.code).toBe(1);
    expect(serve.stderr.trim()).toMatch(/^QUEUE_NEEDS_POSTGRES: /);
    const concurrency = await ws.intake(["worker", "--concurrency", "0"]);
    expect(concurrency.stderr.trim()).toBe(`WORKER_CONCURRENCY: --concurrency "0": use a whole number from 1 to 256`);
  });

  it("PostgreSQL stopped for 10 s mid-run and started again: the workers reconnect by themselves, nothing lost or doubled", async () => {
    const c = await cluster("database_restart");
    try {
      const boxes = ["box1", "box2"];
      const reports = new Map(boxes.map((box) => [box, makeReports(600, { run: `restart-${box}` })]));
      for (const box of boxes) {
        await emailConnector(c, `restart-${box}`, box, 2);
        await deliver(box, reports.get(box)!.slice(0, 500));
      }
      const workers = [await startWorkerProcess(c, ["--concurrency", "1"]), await startWorkerProcess(c, ["--concurrency", "1"])];
      await waitFor(
        async () => (await alertIds(c.store, "restart-box1")).length + (await alertIds(c.store, "restart-box2")).length > 50,
        120_000,
        100,
      );
      await c.store.close();
      await postgres.restart(10_000);
      const restartedAt = Date.now();
      c.store = await openStore(c.url);
      for (const box of boxes) await deliver(box, reports.get(box)!.slice(500));
      await waitFor(
        async () => {
          const counts = await Promise.all(boxes.map((box) => alertIds(c.store, `restart-${box}`)));
          return counts.every((ids, i) => ids.length >= reports.get(boxes[i]!)!.length);
        },
        240_000,
        500,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${workers.map((worker) => worker.output().slice(-6000)).join("\n----\n")}`);
      });
      for (const worker of workers) expect(worker.child.exitCode, worker.output()).toBeNull();
      // Both are alive again: their heartbeats went on after the restart.
      await waitFor(
        async () => (await listWorkers(c.store)).every((worker) => worker.state === "alive" && worker.heartbeatAt > restartedAt),
        30_000,
        500,
      );
      for (const worker of workers) killGroup(worker.child, "SIGTERM");
      for (const worker of workers) expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      const cut: string[] = [];
      for (const box of boxes) {
        await expectExactlyOnce(c.store, `restart-${box}`, box, reports.get(box)!);
        const runs = await runsOf(c.store, `restart-${box}`);
        expectNoOverlap(runs);
        cut.push(
          ...runs.filter((run) => run.status === "failed" || run.status === "interrupted").map((run) => `${run.status}: ${run.error}`),
        );
      }
      // The restart did cut runs short (else this test proved nothing), and they are recorded so.
      expect(cut.length, "runs cut short by the restart").toBeGreaterThan(0);
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("push: one worker holds a connector's IDLE watch; SIGKILLed, another takes it over within 30 s and new mail still \
comes in at once", async () => {
    const c = await cluster("push_takeover");
    try {
      // An interval far longer than the test: only push brings the later reports in.
      await emailConnector(c, "push", "push", 600, { "Push On New Mail": true });
      const workers = [await startWorkerProcess(c, ["--concurrency", "1"]), await startWorkerProcess(c, ["--concurrency", "1"])];
      const holds = (worker: WorkerProcess) => worker.output().includes("push: this worker holds the watch");
      await waitFor(
        () => workers.some(holds) && workers.some((worker) => /push: .*waiting for new mail/.test(worker.output())),
        60_000,
        100,
      );
      expect(workers.filter(holds).length, "exactly one worker holds the watch").toBe(1);
      const holder = workers.find(holds)!;
      const other = workers.find((worker) => worker !== holder)!;
      const reports = makeReports(3, { run: "push" });
      await deliver("push", [reports[0]!]);
      await waitFor(async () => (await alertIds(c.store, "push")).length === 1, 30_000, 100);

      killGroup(holder.child, "SIGKILL");
      const killedAt = Date.now();
      await waitFor(() => holds(other), 30_000, 100);
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      await waitFor(
        () => /push: .*waiting for new mail/.test(other.output().slice(other.output().indexOf("push: this worker holds the watch"))),
        30_000,
        100,
      );
      await deliver("push", reports.slice(1));
      await waitFor(async () => (await alertIds(c.store, "push")).length === 3, 30_000, 100);
      killGroup(other.child, "SIGTERM");
      expect(await other.exited, other.output()).toEqual({ code: 0, signal: null });
      await expectExactlyOnce(c.store, "push", "push", reports);
      expectNoOverlap(await runsOf(c.store, "push"));
    } finally {
      await c.store.close();
    }
  }, 400_000);

  it("scheduled jobs and feed refreshes run on one worker, the leader; SIGKILLed, another becomes the leader within 30 s", async () => {
    const c = await cluster("leader");
    try {
      const workers = [await startWorkerProcess(c, ["--concurrency", "1"]), await startWorkerProcess(c, ["--concurrency", "1"])];
      const leads = (worker: WorkerProcess) => worker.output().includes("leader: this worker runs the scheduled jobs");
      await waitFor(() => workers.some(leads), 30_000, 100);
      // Both have tried by now (each tries on start): only one won.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(workers.filter(leads).length).toBe(1);
      const leader = workers.find(leads)!;
      const other = workers.find((worker) => worker !== leader)!;
      killGroup(leader.child, "SIGKILL");
      const killedAt = Date.now();
      await waitFor(() => leads(other), 30_000, 100);
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      killGroup(other.child, "SIGTERM");
      expect(await other.exited, other.output()).toEqual({ code: 0, signal: null });
    } finally {
      await c.store.close();
    }
  }, 120_000);

  it("intake serve --queue serves the API and runs no connector; a worker started beside it does", async () => {
    const c = await cluster("serve_queue");
    try {
      const reports = makeReports(5, { run: "serve-queue" });
      await emailConnector(c, "served", "served", 1);
      await deliver("served", reports);
      const { child: serve, port, output: serveOutput } = await startServe(c);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      // Three intervals of the connector pass without a run: serve runs none in queue mode.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(await runsOf(c.store, "served")).toEqual([]);

      const worker = await startWorkerProcess(c, ["--concurrency", "1"]);
      await waitFor(async () => (await alertIds(c.store, "served")).length >= reports.length, 60_000, 200);
      killGroup(worker.child, "SIGTERM");
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      const closed = new Promise((resolve) => serve.once("exit", resolve));
      serve.kill("SIGTERM");
      await closed;
      expect(serve.exitCode, serveOutput()).toBe(0);
      await expectExactlyOnce(c.store, "served", "served", reports);
      for (const run of await runsOf(c.store, "served")) expect(run.worker_id).toBe(worker.id);
    } finally {
      await c.store.close();
    }
  }, 120_000);

  it("Run once and Test from the console go to a worker: Test answers the alerts and stores nothing, Run once ingests \
and names the worker; with no worker, QUEUE_NO_WORKER in bounded time", async () => {
    const c = await cluster("run_now");
    try {
      // Disabled: no interval run of the workers' schedule, only the console's.
      const params = c.ws.writeJson("runnow.json", dovecot.params({ Username: address("runnow") }));
      const created = await c.ws.intake(["connector", "create", "runnow", "--integration", "email", "--disabled", "--params", params]);
      expect(created.code, created.stderr).toBe(0);
      const reports = makeReports(4, { run: "run-now" });
      await deliver("runnow", reports);
      await saveUser(c.store, "ada", "admin", "admin-password-1");
      c.ws.env.INTAKE_QUEUE_WAIT_SECONDS = "3";
      const serve = await startServe(c);
      const base = `http://127.0.0.1:${serve.port}/api`;
      const login = await fetch(`${base}/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ada", password: "admin-password-1" }),
      });
      expect(login.status).toBe(200);
      const cookie = /intake_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")![0];
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const post = async (url: string) => {
        const response = await fetch(`${base}${url}`, { method: "POST", headers: { cookie, "x-csrf-token": csrfToken } });
        type Answer = { error: { code: string; message: string }; package: unknown[]; logs: unknown[]; runId: number };
        return { status: response.status, body: (await response.json()) as Answer };
      };

      // No worker: refused in the wait (3 s here) and a little, the job withdrawn.
      let at = Date.now();
      const alone = await post("/connectors/runnow/test");
      expect(alone.status, JSON.stringify(alone.body).slice(0, 2000)).toBe(503);
      expect(alone.body.error).toEqual({
        code: "QUEUE_NO_WORKER",
        message: `no worker took the run of connector "runnow" within 3 s; start intake worker (or another, when all are busy)`,
      });
      expect(Date.now() - at).toBeLessThan(8_000);
      expect((await post("/connectors/runnow/run")).body.error.code).toBe("QUEUE_NO_WORKER");
      // An unknown connector answers as in embedded mode, at once.
      at = Date.now();
      const unknown = await post("/connectors/nobody/run");
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe("CONNECTOR_NOT_FOUND");
      expect(Date.now() - at).toBeLessThan(2_000);

      const worker = await startWorkerProcess(c, ["--concurrency", "1"]);
      // The runs withdrawn while no worker ran are not run now that one does.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(await c.store.db.selectFrom("runs").select("id").execute()).toEqual([]);

      const tested = await post("/connectors/runnow/test");
      expect(tested.status, JSON.stringify(tested.body).slice(0, 2000)).toBe(200);
      expect(tested.body).toMatchObject({ connector: "runnow", test: true, status: "succeeded", alerts: reports.length, ingested: 0 });
      expect(tested.body.package).toHaveLength(reports.length);
      expect(tested.body.logs.length).toBeGreaterThan(0);
      expect(await alertIds(c.store, "runnow")).toEqual([]);
      expect(await unread("runnow"), "a test marks nothing read").toBe(reports.length);
      const testRun = await c.store.db
        .selectFrom("runs")
        .select(["worker_id", "is_test"])
        .where("id", "=", tested.body.runId)
        .executeTakeFirstOrThrow();
      expect(testRun).toEqual({ worker_id: worker.id, is_test: 1 });

      // The run lock held elsewhere: the worker's run refuses as embedded mode's would, and serve answers its code.
      const lease = await acquireLease(c.store, (await getConnector(c.store, "runnow")).id, "runnow");
      const busy = await post("/connectors/runnow/run");
      await lease.release();
      expect(busy.status, JSON.stringify(busy.body).slice(0, 2000)).toBe(409);
      expect(busy.body.error.code).toBe("RUN_IN_PROGRESS");
      expect(busy.body.error.message).toMatch(/^connector "runnow" is already running \(/);

      const ran = await post("/connectors/runnow/run");
      expect(ran.status, JSON.stringify(ran.body).slice(0, 2000)).toBe(200);
      expect(ran.body).toMatchObject({ connector: "runnow", test: false, status: "succeeded", ingested: reports.length });
      expect(ran.body.logs.length).toBeGreaterThan(0);
      const runs = await runsOf(c.store, "runnow");
      expect(runs.map((run) => ({ id: run.id, worker: run.worker_id }))).toEqual([{ id: ran.body.runId, worker: worker.id }]);
      await expectExactlyOnce(c.store, "runnow", "runnow", reports);

      killGroup(worker.child, "SIGTERM");
      expect(await worker.exited, worker.output()).toEqual({ code: 0, signal: null });
      const closed = new Promise((resolve) => serve.child.once("exit", resolve));
      serve.child.kill("SIGTERM");
      await closed;
      expect(serve.child.exitCode, serve.output()).toBe(0);
    } finally {
      await c.store.close();
    }
  }, 120_000);
});
