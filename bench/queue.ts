// `npm run bench -- --queue [--connectors N] [--reports N] [--concurrency N]`: queue mode's throughput. N email
// connectors on N mailboxes of one Dovecot (a user each, --reports unread reports in each), taken by 1 and
// then 2 `intake worker` processes on one PostgreSQL: the time until every report is a case, messages per
// second, runs per connector, and a check from the runs table that no two runs of one connector overlapped.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { saveConnector as SaveConnector } from "../src/platform/catalog/index.js";
import type { openStore as OpenStore } from "../src/platform/store/index.js";
import { startDovecot, type Dovecot } from "../test/support/dovecot.js";
import { makeWorkspace, PROJECT_ROOT } from "../test/support/cli.js";
import { makeReports } from "../test/support/messages.js";
import { startPostgres } from "../test/support/postgres.js";
import { median } from "./stats.js";

const INTAKE = path.join(PROJECT_ROOT, "bin", "intake.js");

/**
 * The built platform's own modules, not this bundle's copies: the built-in integrations (email) are
 * found beside the built code.
 */
async function platform(): Promise<{ saveConnector: typeof SaveConnector; openStore: typeof OpenStore }> {
  const load = (file: string) => import(pathToFileURL(path.join(PROJECT_ROOT, "dist", "src", "platform", file)).href);
  const [{ saveConnector }, { openStore }] = await Promise.all([load("catalog/index.js"), load("store/index.js")]);
  return { saveConnector, openStore };
}

export interface QueueBenchRound {
  workers: number;
  concurrency: number;
  reports: number;
  seconds: number;
  messagesPerSecond: number;
  runsPerConnector: { min: number; median: number; max: number };
  overlaps: number;
  /** Runs by worker: how the work spread. */
  runsByWorker: number[];
}

export interface QueueBench {
  date: string;
  cores: number;
  connectors: number;
  reportsEach: number;
  rounds: QueueBenchRound[];
}

/** Writes unread reports straight into each user's Maildir (as a delivery agent does): fast for 10,000. */
function fillMailboxes(server: Dovecot, users: string[], reportsEach: number, tag: string): void {
  const root = process.getuid?.() === 0;
  for (const user of users) {
    const maildir = path.join(server.dir, "mail", user, "Maildir");
    for (const folder of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(maildir, folder), { recursive: true });
    makeReports(reportsEach, { run: `${tag}-${user}` }).forEach((report, index) => {
      fs.writeFileSync(path.join(maildir, "new", `${Date.now()}.M${index}P${process.pid}.${tag}`), report.raw);
    });
  }
  if (root) execFileSync("chown", ["-R", "vmail:vmail", path.join(server.dir, "mail")]);
}

async function round(
  server: Dovecot,
  databaseUrl: string,
  users: string[],
  reportsEach: number,
  workerCount: number,
  concurrency: number,
  onProgress: (line: string) => void,
): Promise<QueueBenchRound> {
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, INTAKE_DB: databaseUrl, INTAKE_HOME: "" });
  ws.env.INTAKE_HOME = path.join(ws.dir, ".intake");
  process.env.INTAKE_HOME = ws.env.INTAKE_HOME;
  const { saveConnector, openStore } = await platform();
  const store = await openStore(databaseUrl);
  const workers: ChildProcess[] = [];
  try {
    for (const user of users) {
      await saveConnector(store, {
        name: user,
        integration: "email",
        intervalSeconds: 60,
        parameters: server.params({ Username: `${user}@example.test` }),
      });
    }
    // What is measured is the connectors' work: the built-in triage playbook (on by default) would run two
    // sandboxed action processes on every new case, on the same two cores, and is measured by --triage.
    execFileSync(process.execPath, [INTAKE, "playbook", "disable", "phishing-triage"], {
      cwd: ws.dir,
      env: { ...process.env, ...ws.env },
      stdio: "ignore",
    });
    fillMailboxes(server, users, reportsEach, `w${workerCount}`);
    const total = users.length * reportsEach;
    const started = Date.now();
    for (let i = 0; i < workerCount; i++) {
      workers.push(
        spawn(process.execPath, [INTAKE, "worker", "--concurrency", String(concurrency)], {
          cwd: ws.dir,
          env: { ...process.env, ...ws.env },
          stdio: "ignore",
          detached: true,
        }),
      );
    }
    let done = 0;
    let lastReport = 0;
    while (done < total) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      done = Number(
        (
          await store.db
            .selectFrom("alerts")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
      if (Date.now() - lastReport > 10_000) {
        onProgress(`  ${workerCount} worker(s): ${done}/${total} cases after ${Math.round((Date.now() - started) / 1000)} s`);
        lastReport = Date.now();
      }
      if (Date.now() - started > 30 * 60_000) throw new Error(`only ${done} of ${total} reports became cases in 30 minutes`);
    }
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve) => {
            worker.once("exit", resolve);
            process.kill(-worker.pid!, "SIGTERM");
          }),
      ),
    );
    const runs = await store.db
      .selectFrom("runs")
      .select(["connector_id", "started_at", "finished_at", "worker_id", "status"])
      .where("is_test", "=", 0)
      .orderBy("connector_id")
      .orderBy("started_at")
      .execute();
    const byConnector = new Map<number, typeof runs>();
    for (const run of runs) byConnector.set(run.connector_id, [...(byConnector.get(run.connector_id) ?? []), run]);
    let overlaps = 0;
    for (const list of byConnector.values()) {
      for (let i = 1; i < list.length; i++) {
        const previous = list[i - 1]!;
        if (previous.status !== "interrupted" && (previous.finished_at === null || list[i]!.started_at < previous.finished_at)) overlaps++;
      }
    }
    // A connector that never ran counts 0.
    const counts = [...byConnector.values()].map((list) => list.length).concat(Array(users.length - byConnector.size).fill(0));
    const byWorker = new Map<string, number>();
    for (const run of runs) byWorker.set(run.worker_id ?? "none", (byWorker.get(run.worker_id ?? "none") ?? 0) + 1);
    return {
      workers: workerCount,
      concurrency,
      reports: total,
      seconds: Math.round(seconds * 10) / 10,
      messagesPerSecond: Math.round(total / seconds),
      runsPerConnector: { min: Math.min(...counts), median: median(counts), max: Math.max(...counts) },
      overlaps,
      runsByWorker: [...byWorker.values()],
    };
  } finally {
    for (const worker of workers)
      if (worker.exitCode === null)
        try {
          process.kill(-worker.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
    await store.close();
  }
}

export async function queueBench(options: {
  connectors: number;
  reportsEach: number;
  concurrency: number;
  onProgress: (line: string) => void;
}): Promise<QueueBench> {
  const users = Array.from({ length: options.connectors }, (_, i) => `box${String(i + 1).padStart(3, "0")}`);
  const [server, postgres] = await Promise.all([startDovecot({ users }), startPostgres()]);
  try {
    const rounds: QueueBenchRound[] = [];
    for (const workerCount of [1, 2]) {
      options.onProgress(`queue bench: ${workerCount} worker(s), ${options.connectors} connectors × ${options.reportsEach} reports`);
      rounds.push(
        await round(
          server,
          postgres.createDatabase(`queue_bench_${workerCount}`),
          users,
          options.reportsEach,
          workerCount,
          options.concurrency,
          options.onProgress,
        ),
      );
    }
    return {
      date: new Date().toISOString(),
      cores: os.availableParallelism(),
      connectors: options.connectors,
      reportsEach: options.reportsEach,
      rounds,
    };
  } finally {
    await server.stop();
    postgres.stop();
  }
}

export function printQueueBench(bench: QueueBench): void {
  console.log(
    `Intake bench --queue: ${bench.connectors} connectors × ${bench.reportsEach} reports on one Dovecot, ` +
      `${bench.cores} cores shared by Dovecot, PostgreSQL and the workers`,
  );
  for (const r of bench.rounds) {
    console.log(
      `  ${r.workers} worker(s) × concurrency ${r.concurrency}: ` +
        `${r.reports} cases in ${r.seconds} s (${r.messagesPerSecond} messages/s); ` +
        `runs per connector min ${r.runsPerConnector.min}, median ${r.runsPerConnector.median}, max ${r.runsPerConnector.max}; ` +
        `runs by worker ${r.runsByWorker.join(" + ")}; overlapping runs of one connector: ${r.overlaps}`,
    );
  }
}
