// `npm run bench`: one `intake connector run` against N synthetic reports on a real Dovecot over TLS,
// with the wire limit measured in the same run, peak memory, the sample's time, and push latency;
// with --floor, what the connector's two libraries (imapflow, postal-mime) cost by themselves.
//   npm run bench -- --n 10000 --runs 3 --compare-sample --push 200 --floor
// --intel: threat-intel lookups only (bench/intel.ts); --triage: report → case → verdict → reply sent,
// then the lookups (bench/triage.ts).
//   npm run bench -- --triage --reports 200 --indicators 1000000 [--push-recheck 250]
// --verdicts: a labelled day of reports (ham and phish) judged by the triage playbook: the confusion matrix.
//   npm run bench -- --verdicts [--seed N]
// --queue: queue mode, 1 and then 2 `intake worker` processes on one PostgreSQL (bench/queue.ts).
//   npm run bench -- --queue --connectors 50 --reports 200
// --purge: one phish in each of 200 mailboxes, moved to quarantine by Purge Email (bench/purge.ts).
//   npm run bench -- --purge [--mailboxes 200] [--parallel 8] [--plain-dovecot]
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import Database from "better-sqlite3";
import { appendMessages, deliverToMaildir, markAllUnread, PASSWORD, startDovecot, USER, type Dovecot } from "../test/support/dovecot.js";
import { makeWorkspace, PROJECT_ROOT, type Workspace } from "../test/support/cli.js";
import { makeReport } from "../test/support/messages.js";
import { codeProcessNodeFlags } from "../src/platform/runner/code-process.js";
import { intelBench } from "./intel.js";
import { printTriage, triageBench } from "./triage.js";
import { printQueueBench, queueBench } from "./queue.js";
import { printVerdictBench, verdictBench } from "./verdicts.js";
import { median, percentile } from "./stats.js";
import { printPurgeBench, purgeBench } from "./purge.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const N = option("n", 10_000);
const RUNS = option("runs", 1);
const PUSH = args.includes("--push") ? option("push", 200) : 0;
const SHARED_BENCH = process.env.INTAKE_BENCH_DIR ?? path.join(PROJECT_ROOT, "..", "shared", "bench");
const hasShared = fs.existsSync(path.join(SHARED_BENCH, "gen_corpus.py"));

/** Fills the mailbox: the baseline's corpus generator when it is beside the project, else our own reports. */
function fill(server: Dovecot): { bytes: number; source: string } {
  if (hasShared) {
    const owner = process.getuid?.() === 0 ? ["--owner", "vmail"] : [];
    execFileSync("python3", [path.join(SHARED_BENCH, "gen_corpus.py"), server.maildir, String(N), "1", ...owner], { stdio: "ignore" });
  } else {
    for (let start = 0; start < N; start += 1000) {
      deliverToMaildir(
        server,
        Array.from({ length: Math.min(1000, N - start) }, (_, i) => makeReport(start + i, { run: "bench" }).raw),
      );
    }
  }
  const bytes = fs
    .readdirSync(path.join(server.maildir, "new"))
    .reduce((sum, f) => sum + fs.statSync(path.join(server.maildir, "new", f)).size, 0);
  return { bytes, source: hasShared ? "gen_corpus.py" : "test/support/messages.ts" };
}

/** The wire limit: one pipelined `UID FETCH 1:* BODY.PEEK[]` over TLS, bytes only, nothing parsed. */
async function wireLimit(server: Dovecot): Promise<{ seconds: number; bytes: number }> {
  const socket = tls.connect({ host: "127.0.0.1", port: server.port, servername: "localhost", ca: fs.readFileSync(server.caFile) });
  let tail = "";
  let bytes = 0;
  let waiting: { tag: string; resolve: () => void } | undefined;
  socket.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    tail = (tail + chunk.toString("latin1")).slice(-512);
    if (waiting && new RegExp(`\\r\\n${waiting.tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n$`).test(`\r\n${tail}`)) {
      const done = waiting.resolve;
      waiting = undefined;
      done();
    }
  });
  await new Promise((resolve) => socket.once("secureConnect", resolve));
  const command = (tag: string, text: string) =>
    new Promise<void>((resolve) => {
      waiting = { tag, resolve };
      socket.write(`${tag} ${text}\r\n`);
    });
  await command("a1", `LOGIN "${USER}" "${PASSWORD}"`);
  await command("a2", "EXAMINE INBOX");
  bytes = 0;
  const start = process.hrtime.bigint();
  await command("a3", "UID FETCH 1:* BODY.PEEK[]");
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  socket.end("a4 LOGOUT\r\n");
  return { seconds, bytes };
}

/**
 * The fields of /proc/PID/stat after the command name (state first, so field N of proc(5) is at
 * N - 3), or undefined when the process is gone.
 */
function procStat(pid: number | "self"): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Sum of the resident memory of a process and all its descendants, read from /proc. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  let total = 0;
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(Number(entry));
    // Undefined: the process ended meanwhile.
    if (!fields) continue;
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    rss.set(Number(entry), Number(fields[21]) * 4096);
  }
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on Linux, asked once. */
const TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds of the processes `pid` has waited for (its children's, and theirs, once they ended):
 * around one run, what the run's processes used in all, every thread counted.
 */
function reapedCpuSeconds(pid: number | "self"): number {
  const fields = procStat(pid);
  // cutime and cstime (fields 16 and 17).
  return fields ? (Number(fields[13]) + Number(fields[14])) / TICKS : Number.NaN;
}

/** Dovecot's master process, which reaps the processes that served a connection. */
function dovecotMaster(server: Dovecot): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(server.dir, "run", "master.pid"), "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Workspaces made by the runs: their databases (the whole corpus, stored) are removed at the end. */
const workspaces: string[] = [];

interface IntakeRun {
  seconds: number;
  peakRss: number;
  /** CPU seconds of `intake connector run` (platform and connector processes, all threads). */
  intakeCpu: number;
  /** CPU seconds of the Dovecot processes that served the run (NaN when not readable). */
  serverCpu: number;
  summary: Record<string, unknown>;
  /** Its workspace, with everything stored: a run there again finds nothing unread. */
  ws: Workspace;
}

const INTAKE = path.join(PROJECT_ROOT, "bin", "intake.js");
const RUN_BENCH = [INTAKE, "connector", "run", "bench", "--json"];

/** The summary `intake connector run --json` prints last. */
function runSummary(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

/** What `work` costs Dovecot in CPU seconds (NaN when not readable): the processes that served it, reaped. */
async function withServerCpu<T>(server: Dovecot, work: () => Promise<T>): Promise<{ result: T; serverCpu: number }> {
  const master = dovecotMaster(server);
  const before = master ? reapedCpuSeconds(master) : Number.NaN;
  const result = await work();
  // The connection's server process ends at logout; its master reaps it a moment later.
  await new Promise((r) => setTimeout(r, 300));
  return { result, serverCpu: master ? reapedCpuSeconds(master) - before : Number.NaN };
}

async function intakeRun(server: Dovecot): Promise<IntakeRun> {
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
  workspaces.push(ws.dir);
  execFileSync(
    process.execPath,
    [INTAKE, "connector", "create", "bench", "--integration", "email", "--params", ws.writeJson("p.json", server.params())],
    { env: { ...process.env, ...ws.env }, cwd: ws.dir },
  );
  const { result, serverCpu } = await withServerCpu(server, async () => {
    const cpuBefore = reapedCpuSeconds("self");
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, RUN_BENCH, {
      env: { ...process.env, ...ws.env },
      cwd: ws.dir,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRss(child.pid!))), 50);
    await new Promise((resolve) => child.once("close", resolve));
    clearInterval(sampler);
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, intakeCpu: reapedCpuSeconds("self") - cpuBefore, peakRss, stdout };
  });
  const summary = runSummary(result.stdout);
  if (summary.ingested !== N) throw new Error(`the run ingested ${String(summary.ingested)} of ${N}: ${result.stdout.slice(-500)}`);
  return { seconds: result.seconds, peakRss: result.peakRss, intakeCpu: result.intakeCpu, serverCpu, summary, ws };
}

/** `intake connector run` where everything is read already: what a run costs before its first message. */
function fixedStart(ws: Workspace): number {
  const start = process.hrtime.bigint();
  const stdout = execFileSync(process.execPath, RUN_BENCH, { env: { ...process.env, ...ws.env }, cwd: ws.dir }).toString();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const summary = runSummary(stdout);
  if (summary.ingested !== 0) throw new Error(`the run with nothing unread ingested ${String(summary.ingested)}`);
  return seconds;
}

/** One run's floor: the start, and what fetching and parsing alone cost (bench/floor.ts). */
interface LibraryFloor {
  startSeconds: number;
  fetchCpu: number;
  parseCpu: number;
  serverCpu: number;
}

/** bench/floor.ts in a process flagged as a connector's is: imapflow's fetch and postal-mime's parse alone. */
async function libraryFloor(server: Dovecot, ws: Workspace): Promise<LibraryFloor> {
  const startSeconds = fixedStart(ws);
  const { result, serverCpu } = await withServerCpu(server, async () => {
    const child = spawn(process.execPath, [...codeProcessNodeFlags(), path.join(PROJECT_ROOT, "dist", "bench", "floor.mjs")], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: server.caFile,
        FLOOR_SERVER: JSON.stringify({ host: server.host, port: server.port, username: USER, password: PASSWORD }),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.once("close", resolve));
    if (code !== 0) throw new Error(`bench/floor.ts exited with ${String(code)}`);
    return JSON.parse(stdout) as { messages: number; fetchCpu: number; parseCpu: number };
  });
  if (result.messages !== N) throw new Error(`bench/floor.ts fetched ${result.messages} of ${N} messages`);
  return { startSeconds, fetchCpu: result.fetchCpu, parseCpu: result.parseCpu, serverCpu };
}

async function sampleRun(server: Dovecot): Promise<number | undefined> {
  const script = path.join(SHARED_BENCH, "sample-baseline", "seed_fixed_linear.py");
  if (!args.includes("--compare-sample") || !fs.existsSync(script)) return undefined;
  const out = path.join(server.dir, "sample-package.json");
  const params = JSON.stringify({
    Username: USER,
    Password: PASSWORD,
    "IMAP Server Address": "localhost",
    "IMAP Port": server.port,
    "Folder to check for emails": "INBOX",
  });
  const start = process.hrtime.bigint();
  execFileSync("python3", [script], {
    env: { ...process.env, SEED_PARAMS: params, SEED_OUT: out, SSL_CERT_FILE: server.caFile },
    stdio: "ignore",
    cwd: path.dirname(script),
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function pushLatency(server: Dovecot, count: number): Promise<number[]> {
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile });
  workspaces.push(ws.dir);
  execFileSync(
    process.execPath,
    [
      INTAKE,
      "connector",
      "create",
      "push",
      "--integration",
      "email",
      "--params",
      ws.writeJson("p.json", server.params({ "Push On New Mail": true })),
    ],
    { env: { ...process.env, ...ws.env }, cwd: ws.dir },
  );
  const watcher = spawn(process.execPath, [INTAKE, "connector", "watch", "push", "--interval", "3600"], {
    env: { ...process.env, ...ws.env },
    cwd: ws.dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  watcher.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  while (!stderr.includes("push: waiting for new mail")) await new Promise((r) => setTimeout(r, 50));
  const db = new Database(ws.db, { readonly: true, timeout: 5000 });
  const count0 = () => (db.prepare("select count(*) as n from alerts").get() as { n: number }).n;
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = count0();
    await appendMessages(server, [makeReport(1_000_000 + i, { run: "push" }).raw]);
    const start = Date.now();
    while (count0() <= before) {
      if (Date.now() - start > 30_000) throw new Error(`message ${i} was not ingested within 30 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(Date.now() - start);
  }
  db.close();
  watcher.kill("SIGTERM");
  await new Promise((resolve) => watcher.once("close", resolve));
  return latencies;
}

if (args.includes("--intel")) {
  // Threat-intel lookups only: no mailbox needed.
  const intel = await intelBench(option("indicators", 1_000_000));
  console.log(
    `Intake bench --intel: ${intel.indicators} indicators refreshed in ${intel.refreshSeconds} s; ` +
      `${intel.lookupsPerSecond} lookups/s (${intel.itemsPerCall} items a call, ${intel.hitRate} of them listed)`,
  );
  process.exit(0);
}

if (args.includes("--purge")) {
  const bench = await purgeBench({
    mailboxes: option("mailboxes", 200),
    parallel: option("parallel", 8),
    highPerformance: !args.includes("--plain-dovecot"),
    onProgress: (line) => console.error(line),
  });
  printPurgeBench(bench);
  const dir = path.join(PROJECT_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `purge-${bench.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(bench, null, 2));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
  process.exit(bench.purge.moved === bench.mailboxes && bench.again.moved === 0 && bench.restore.restored === bench.mailboxes ? 0 : 1);
}

if (args.includes("--queue")) {
  // Its own Dovecot (one user per connector) and PostgreSQL; `intake worker` processes.
  const bench = await queueBench({
    connectors: option("connectors", 50),
    reportsEach: option("reports", 200),
    concurrency: option("concurrency", os.availableParallelism()),
    onProgress: (line) => console.error(line),
  });
  printQueueBench(bench);
  const dir = path.join(PROJECT_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `queue-${bench.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(bench, null, 2));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
  process.exit(bench.rounds.every((round) => round.overlaps === 0) ? 0 : 1);
}

if (args.includes("--verdicts")) {
  // A labelled day of reports through Dovecot, the connector and the triage playbook: the confusion matrix.
  const bench = await verdictBench({ seed: option("seed", 28), onProgress: (line) => console.error(line) });
  printVerdictBench(bench);
  const dir = path.join(PROJECT_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `verdicts-${bench.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(bench, null, 2));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
  process.exit(bench.rates.legitimateMalicious === 0 ? 0 : 1);
}

if (args.includes("--triage")) {
  // Its own Dovecot (with the reporters' mailboxes and LMTP), Postfix and intake serve.
  const triage = await triageBench({
    reports: option("reports", 200),
    indicators: option("indicators", 1_000_000),
    pushRecheckMs: option("push-recheck", 0),
    onProgress: (line) => console.error(line),
  });
  printTriage(triage);
  const dir = path.join(PROJECT_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `triage-${triage.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(triage, null, 2));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
  process.exit(0);
}

const server = await startDovecot();
try {
  const corpus = fill(server);
  const runs: {
    seconds: number;
    peakRss: number;
    intakeCpu: number;
    serverCpu: number;
    wireSeconds: number;
    sampleSeconds?: number;
    floor?: LibraryFloor;
  }[] = [];
  for (let run = 0; run < RUNS; run++) {
    await markAllUnread(server);
    const wire = await wireLimit(server);
    const intake = await intakeRun(server);
    const floor = args.includes("--floor") ? await libraryFloor(server, intake.ws) : undefined;
    await markAllUnread(server);
    const sample = await sampleRun(server);
    runs.push({
      seconds: intake.seconds,
      peakRss: intake.peakRss,
      intakeCpu: intake.intakeCpu,
      serverCpu: intake.serverCpu,
      wireSeconds: wire.seconds,
      ...(sample !== undefined ? { sampleSeconds: sample } : {}),
      ...(floor ? { floor } : {}),
    });
    console.error(
      `run ${run + 1}: intake ${intake.seconds.toFixed(2)} s ` +
        `(CPU ${intake.intakeCpu.toFixed(2)} s, Dovecot ${intake.serverCpu.toFixed(2)} s), wire ${wire.seconds.toFixed(2)} s` +
        `${sample !== undefined ? `, sample ${sample.toFixed(2)} s` : ""}, peak RSS ${(intake.peakRss / 2 ** 20).toFixed(0)} MB` +
        `${floor ? `, start ${floor.startSeconds.toFixed(2)} s, fetch ${floor.fetchCpu.toFixed(2)} s CPU, ` : ""}` +
        `${floor ? `parse ${floor.parseCpu.toFixed(2)} s CPU` : ""}`,
    );
  }
  const seconds = median(runs.map((r) => r.seconds));
  const wireSeconds = median(runs.map((r) => r.wireSeconds));
  const samples = runs.flatMap((r) => (r.sampleSeconds !== undefined ? [r.sampleSeconds] : []));
  const result = {
    date: new Date().toISOString(),
    messages: N,
    corpus: corpus.source,
    megabytes: +(corpus.bytes / 1e6).toFixed(1),
    runs: RUNS,
    seconds: +seconds.toFixed(3),
    messagesPerSecond: Math.round(N / seconds),
    megabytesPerSecond: +(corpus.bytes / 1e6 / seconds).toFixed(1),
    peakRssMegabytes: Math.round(median(runs.map((r) => r.peakRss)) / 2 ** 20),
    intakeCpuSeconds: +median(runs.map((r) => r.intakeCpu)).toFixed(2),
    serverCpuSeconds: +median(runs.map((r) => r.serverCpu)).toFixed(2),
    cores: os.availableParallelism(),
    wireSeconds: +wireSeconds.toFixed(3),
    wireRatio: +(wireSeconds / seconds).toFixed(3),
    ...(samples.length ? { sampleSeconds: +median(samples).toFixed(2), ratioToSample: +(median(samples) / seconds).toFixed(2) } : {}),
    ...(runs.every((r) => r.floor) && RUNS > 0
      ? (() => {
          // Each part's median over the runs; the floor: the start, then every CPU second of fetching and
          // parsing (and of the server sending) spread perfectly over the cores.
          const part = (pick: (f: LibraryFloor) => number) => median(runs.map((r) => pick(r.floor!)));
          const startSeconds = part((f) => f.startSeconds);
          const fetchCpu = part((f) => f.fetchCpu);
          const parseCpu = part((f) => f.parseCpu);
          const serverCpu = part((f) => (Number.isNaN(f.serverCpu) ? 0 : f.serverCpu));
          return {
            floor: {
              startSeconds: +startSeconds.toFixed(3),
              fetchCpuSeconds: +fetchCpu.toFixed(2),
              parseCpuSeconds: +parseCpu.toFixed(2),
              serverCpuSeconds: +serverCpu.toFixed(2),
              seconds: +(startSeconds + (fetchCpu + parseCpu + serverCpu) / os.availableParallelism()).toFixed(2),
            },
          };
        })()
      : {}),
    ...(PUSH
      ? await (async () => {
          const l = await pushLatency(server, PUSH);
          return { pushMessages: PUSH, pushMedianMs: median(l), pushP99Ms: percentile(l, 99) };
        })()
      : {}),
  };
  console.log(`Intake bench: ${N} messages (${result.megabytes} MB, ${result.corpus}), median of ${RUNS} run(s)`);
  console.log(
    `  intake connector run   ${result.seconds} s   ${result.messagesPerSecond} msg/s   ` +
      `${result.megabytesPerSecond} MB/s   peak RSS ${result.peakRssMegabytes} MB (process tree)`,
  );
  // How busy the machine was: when this is near the core count, the run is bound by CPU, not by the wire.
  const busy = (result.intakeCpuSeconds + (Number.isNaN(result.serverCpuSeconds) ? 0 : result.serverCpuSeconds)) / result.seconds;
  console.log(
    `  CPU                    intake ${result.intakeCpuSeconds} s + Dovecot ${result.serverCpuSeconds} s   ` +
      `${busy.toFixed(2)} of ${result.cores} cores busy on average`,
  );
  console.log(`  wire limit             ${result.wireSeconds} s   ratio wire/intake ${result.wireRatio}`);
  if ("sampleSeconds" in result)
    console.log(`  guide's sample (fixed) ${result.sampleSeconds} s   intake is ${result.ratioToSample}x faster`);
  // The issue's targets, from this run's own wire and sample times.
  const targets = [`0.35 of the wire: ≤ ${(result.wireSeconds / 0.35).toFixed(2)} s (${result.wireRatio >= 0.35 ? "met" : "not met"})`];
  if (result.sampleSeconds !== undefined && result.ratioToSample !== undefined)
    targets.unshift(`8x the sample: ≤ ${(result.sampleSeconds / 8).toFixed(2)} s (${result.ratioToSample >= 8 ? "met" : "not met"})`);
  console.log(`  targets                ${targets.join("; ")}`);
  if (result.floor) {
    const f = result.floor;
    console.log(
      `  libraries' floor       start ${f.startSeconds} s + ` +
        `(imapflow fetch ${f.fetchCpuSeconds} + postal-mime parse ${f.parseCpuSeconds} ` +
        `+ Dovecot ${f.serverCpuSeconds} s CPU) / ${result.cores} cores = ${f.seconds} s, before a URL is found or a case stored`,
    );
  }
  if ("pushMedianMs" in result)
    console.log(`  push latency           median ${result.pushMedianMs} ms   p99 ${result.pushP99Ms} ms over ${PUSH} messages`);
  const dir = path.join(PROJECT_ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${result.date.replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
} finally {
  await server.stop();
  // A 100,000-message corpus is 1.4 GB in the mailbox and as much again in each run's database.
  for (const dir of [server.dir, ...workspaces]) fs.rmSync(dir, { recursive: true, force: true });
}
