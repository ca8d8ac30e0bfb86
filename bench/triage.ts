// `npm run bench -- --triage [--reports N] [--indicators N] [--push-recheck MS]`: with push on, how long a reported phish takes
// from the mailbox to its reporter's answer, on real parts only: a report APPENDed to a Dovecot mailbox that
// an email connector with "Push On New Mail" watches under `intake serve` (scheduler on: the push watch,
// the playbook worker, the outbox sender), the built-in phishing-triage playbook (Assess Report, then
// Reply To Reporter, which stages the reply), and the reply sent through Postfix on loopback, which
// delivers it into the reporter's own Dovecot mailbox. Per report: until its case exists, until the case
// has a verdict, and until its outbox row is `sent` (Postfix answered 250). Then, unless --indicators 0,
// lookups per second against a feed of N indicators (bench/intel.ts). --push-recheck sets the connector's
// "Push Recheck Milliseconds" (0, plain push, by default): Dovecot holds IDLE notices back 500 ms.
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import Database from "better-sqlite3";
import { appendMessages, startDovecot, withImap, type Dovecot } from "../test/support/dovecot.js";
import { startPostfix, type Postfix } from "../test/support/postfix.js";
import { makeWorkspace, type Workspace } from "../test/support/cli.js";
import { attachedMessage, OUR_PEOPLE } from "../test/support/triage.js";
import { configureEmail, configureTriage, createReportsConnector } from "../test/support/triage-workspace.js";
import { intelBench, type IntelBench } from "./intel.js";
import { median, percentile } from "./stats.js";

/** Reporters with a mailbox in the Dovecot, so that Postfix takes their replies. */
const REPORTERS = ["alice", "bob", "carol", "dave", "erin"];
/** Longest wait for one report's reply before the bench gives up. */
const TIMEOUT_MS = 60_000;
/**
 * The pause after a report's reply, before the next report: random over 0–2 s, so that reports land at
 * every phase of the platform's 2-second loops (the playbook worker's poll, the outbox sender's tick)
 * rather than always at the same one.
 */
const MAX_PAUSE_MS = 2000;

export interface Stat {
  median: number;
  p99: number;
  max: number;
}
const stat = (values: number[]): Stat => ({ median: median(values), p99: percentile(values, 99), max: Math.max(...values) });

/** Where one report's time went, in ms, from the platform's own timestamps. */
interface Parts {
  /** From the APPEND to the start of the connector run that took the report (the IDLE notice, the run's start). */
  toRun: number;
  /** From that run's start to the case committed (the connector's process started, fetch, parse, store). */
  runToCase: number;
  /** From the case to its playbook run (the worker noticing the case). */
  caseToPlaybook: number;
  /** From the playbook run to the start of its first step (the step job taken from the queue). */
  playbookToAssess: number;
  /** The Assess Report step (its sandboxed process included). */
  assess: number;
  /** From the end of Assess Report to the start of Reply To Reporter. */
  betweenSteps: number;
  /** The Reply To Reporter step, whose completed run stages the reply in the outbox. */
  reply: number;
  /** From the reply staged to the outbox sender handing its data to the server (its tick, SMTP connect, STARTTLS). */
  stagedToData: number;
  /** From MAIL FROM/DATA to the server's 250. */
  smtp: number;
}

export interface TriageResult {
  date: string;
  reports: number;
  /** The connector's "Push Recheck Milliseconds" (0: plain push). */
  pushRecheckMs: number;
  pace: string;
  cores: number;
  /** The machine's 1-minute load average when the reports started and when they ended (it is shared with other work). */
  loadAverage: { start: number; end: number };
  /** ms from just before the APPEND (its IMAP login included) to the case, the verdict and the reply sent. */
  caseMs: Stat;
  verdictMs: Stat;
  replyMs: Stat;
  /** The APPEND itself as the bench saw it (connect, TLS, login, APPEND, logout). */
  appendMs: Stat;
  /**
   * From the APPEND to the IDLE notice of the new mail, as an IMAP client of the bench's own sees it: the
   * mail server's part (Dovecot waits 500 ms after a change before it tells IDLE clients), which no client
   * can shorten; and from that notice to the case and to the reply sent: Intake's part.
   */
  noticeMs: Stat;
  noticeToCaseMs: Stat;
  noticeToReplyMs: Stat;
  /** Issue 29's goals: report → reply sent median ≤ 0.6 s and p99 ≤ 1.5 s; push → case median ≤ 0.3 s. */
  goal: { medianMs: number; p99Ms: number; caseMedianMs: number; met: boolean };
  /** Each part's median and 99th percentile. */
  parts: Record<keyof Parts, { median: number; p99: number }>;
  verdicts: Record<string, number>;
  intel?: IntelBench;
}

/** A colleague's report of a phish forwarded as an attachment (as in test/reply-to-reporter.e2e.test.ts);
 * its subject is its own, so each report is its own case. */
function report(index: number, reporter: string): string {
  const tag = `${index}-${crypto.randomBytes(4).toString("hex")}`;
  const subject = `Your mailbox is full (ref ${tag})`;
  const inner = [
    "From: IT Desk <it-desk@mailbox-alerts.test>",
    `To: ${reporter}@example.test`,
    `Subject: ${subject}`,
    "Date: Fri, 20 Nov 2026 09:00:00 +0000",
    `Message-ID: <phish-${tag}@mailbox-alerts.test>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `Verify now: https://login-${index}.mailbox-alerts.test/verify`,
    "",
  ].join("\r\n");
  return [
    // Our MX authenticated the colleague's report: only such a report is answered.
    "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; " +
      "dkim=pass header.d=example.test; dmarc=pass header.from=example.test",
    `From: ${reporter} <${reporter}@example.test>`,
    "To: analyst@example.test",
    `Subject: FW: ${subject}`,
    "Date: Fri, 20 Nov 2026 09:05:00 +0000",
    `Message-ID: <report-${tag}@example.test>`,
    ...attachedMessage("This looks like phishing, please check.", inner, { boundary: `b-${tag}` }),
  ].join("\r\n");
}

/** Starts `intake serve` (scheduler on) and waits for the connector's push watch to be idling. */
async function startServe(ws: Workspace): Promise<{ child: ChildProcess; log: () => string }> {
  const child = ws.spawnIntake(["serve", "--port", "0"]);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-200_000)));
  child.stdout!.resume();
  const start = Date.now();
  while (!stderr.includes("push: waiting for new mail")) {
    if (child.exitCode !== null || Date.now() - start > 30_000)
      throw new Error(`intake serve did not start watching: ${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, log: () => stderr };
}

interface CaseRow {
  id: number;
  title: string;
  created_at: number;
  verdict: string | null;
  verdict_set_at: number | null;
}
interface OutboxRow {
  status: string;
  created_at: number;
  data_at: number | null;
  sent_at: number | null;
  last_error: string | null;
}

export async function triageBench(options: {
  reports: number;
  indicators: number;
  pushRecheckMs?: number;
  onProgress?: (line: string) => void;
}): Promise<TriageResult> {
  const dovecot: Dovecot = await startDovecot({ lmtp: true, users: REPORTERS });
  let postfix: Postfix | undefined;
  let serve: { child: ChildProcess; log: () => string } | undefined;
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile });
  try {
    postfix = await startPostfix(dovecot);
    await configureEmail(ws, postfix.params());
    await configureTriage(ws, OUR_PEOPLE);
    // Grouping as the connector's default (campaign): each report's subject is its own, so each is a case of its own.
    await createReportsConnector(ws, dovecot.params({ "Push On New Mail": true, "Push Recheck Milliseconds": options.pushRecheckMs ?? 0 }));
    serve = await startServe(ws);
    const db = new Database(ws.db, { readonly: true, timeout: 5000 });
    const lastCase = db.prepare("select coalesce(max(id), 0) as id from cases");
    const nextCase = db.prepare("select id, title, created_at, verdict, verdict_set_at from cases where id > ? order by id limit 1");
    const caseById = db.prepare("select id, title, created_at, verdict, verdict_set_at from cases where id = ?");
    const outboxOf = db.prepare("select status, created_at, data_at, sent_at, last_error from outbox where case_id = ?");
    const runOf = db.prepare(
      "select runs.started_at from alerts join runs on runs.id = alerts.run_id where alerts.case_id = ? order by alerts.id limit 1",
    );
    const playbookOf = db.prepare(
      "select id, status, started_at, error from playbook_runs where case_id = ? and playbook = 'phishing-triage'",
    );
    const stepsOf = db.prepare("select step_id, status, started_at, finished_at from playbook_steps where run_id = ?");

    // The bench's own IDLE watch on the same mailbox: when the server tells a client of new mail.
    const notices: number[] = [];
    let watching = true;
    let stopWatch: (() => void) | undefined;
    const idleWatch = withImap(dovecot, async (client) => {
      await client.mailboxOpen("INBOX", { readOnly: true });
      client.on("exists", () => notices.push(Date.now()));
      const stopped = new Promise<void>((resolve) => (stopWatch = resolve));
      while (watching) await Promise.race([client.idle().catch(() => undefined), stopped]);
    }).catch(() => undefined);
    const samples: {
      caseMs: number;
      verdictMs: number;
      replyMs: number;
      appendMs: number;
      noticeMs: number;
      parts: Parts;
      verdict: string;
    }[] = [];
    let after = (lastCase.get() as { id: number }).id;
    const loadAtStart = os.loadavg()[0]!;
    for (let i = 0; i < options.reports; i++) {
      const raw = report(i, REPORTERS[i % REPORTERS.length]!);
      const start = Date.now();
      await appendMessages(dovecot, [raw]);
      const appendMs = Date.now() - start;
      let found: CaseRow | undefined;
      let sent: OutboxRow | undefined;
      for (;;) {
        if (Date.now() - start > TIMEOUT_MS) {
          const state = found
            ? `case ${found.id} ${found.verdict ? `has verdict ${found.verdict} but` : "has no verdict and"} no reply was sent`
            : "no case";
          throw new Error(`report ${i}: ${state} within ${TIMEOUT_MS / 1000} s; intake serve's log ends:\n${serve.log().slice(-3000)}`);
        }
        if (serve.child.exitCode !== null)
          throw new Error(`intake serve exited (${String(serve.child.exitCode)}): ${serve.log().slice(-3000)}`);
        found ??= nextCase.get(after) as CaseRow | undefined;
        if (found) {
          const row = outboxOf.get(found.id) as OutboxRow | undefined;
          if (row?.status === "sent") {
            sent = row;
            break;
          }
          if (row && (row.status === "given_up" || row.status === "retrying"))
            throw new Error(`report ${i}: the reply is ${row.status}: ${row.last_error ?? ""}`);
          const playbook = playbookOf.get(found.id) as { status: string; error: string | null } | undefined;
          if (playbook && playbook.status !== "running" && playbook.status !== "completed")
            throw new Error(`report ${i}: playbook run ${playbook.status}: ${playbook.error ?? ""}`);
          if (playbook?.status === "completed" && !row) throw new Error(`report ${i}: the playbook completed without staging a reply`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const theCase = caseById.get(found.id) as CaseRow;
      if (!theCase.title.includes(`(ref ${i}-`))
        throw new Error(`report ${i}: case ${theCase.id} is "${theCase.title}", not this report's`);
      after = theCase.id;
      const run = runOf.get(theCase.id) as { started_at: number };
      const playbook = playbookOf.get(theCase.id) as { id: number; started_at: number };
      const steps = new Map(
        (stepsOf.all(playbook.id) as { step_id: string; started_at: number; finished_at: number }[]).map((step) => [step.step_id, step]),
      );
      const assess = steps.get("assess")!;
      const reply = steps.get("reply")!;
      const parts: Parts = {
        toRun: run.started_at - start,
        runToCase: theCase.created_at - run.started_at,
        caseToPlaybook: playbook.started_at - theCase.created_at,
        playbookToAssess: assess.started_at - playbook.started_at,
        assess: assess.finished_at - assess.started_at,
        betweenSteps: reply.started_at - assess.finished_at,
        reply: reply.finished_at - reply.started_at,
        stagedToData: sent.data_at! - sent.created_at,
        smtp: sent.sent_at! - sent.data_at!,
      };
      const notice = notices.find((at) => at >= start);
      samples.push({
        caseMs: theCase.created_at - start,
        verdictMs: theCase.verdict_set_at! - start,
        replyMs: sent.sent_at! - start,
        appendMs,
        noticeMs: notice === undefined ? Number.NaN : notice - start,
        parts,
        verdict: theCase.verdict ?? "none",
      });
      if ((i + 1) % 20 === 0 || i + 1 === options.reports) {
        const replies = samples.map((s) => s.replyMs);
        options.onProgress?.(
          `triage: ${i + 1} of ${options.reports} reports, reply median ${median(replies)} ms, max ${Math.max(...replies)} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * MAX_PAUSE_MS));
    }
    db.close();
    watching = false;
    stopWatch?.();
    await idleWatch;

    const noticed = samples.filter((s) => Number.isFinite(s.noticeMs));
    const replyMs = stat(samples.map((s) => s.replyMs));
    const partNames = Object.keys(samples[0]!.parts) as (keyof Parts)[];
    const verdicts: Record<string, number> = {};
    for (const s of samples) verdicts[s.verdict] = (verdicts[s.verdict] ?? 0) + 1;
    const result: TriageResult = {
      date: new Date().toISOString(),
      reports: options.reports,
      pushRecheckMs: options.pushRecheckMs ?? 0,
      pace: `one at a time: each report appended once the last one's reply was sent, after a random pause of 0-${MAX_PAUSE_MS / 1000} s`,
      cores: os.availableParallelism(),
      loadAverage: { start: +loadAtStart.toFixed(2), end: +os.loadavg()[0]!.toFixed(2) },
      caseMs: stat(samples.map((s) => s.caseMs)),
      verdictMs: stat(samples.map((s) => s.verdictMs)),
      replyMs,
      appendMs: stat(samples.map((s) => s.appendMs)),
      noticeMs: stat(noticed.map((s) => s.noticeMs)),
      noticeToCaseMs: stat(noticed.map((s) => s.caseMs - s.noticeMs)),
      noticeToReplyMs: stat(noticed.map((s) => s.replyMs - s.noticeMs)),
      goal: {
        medianMs: 600,
        p99Ms: 1500,
        caseMedianMs: 300,
        met: replyMs.median <= 600 && replyMs.p99 <= 1500 && median(samples.map((s) => s.caseMs)) <= 300,
      },
      parts: Object.fromEntries(
        partNames.map((name) => {
          const values = samples.map((s) => s.parts[name]);
          return [name, { median: median(values), p99: percentile(values, 99) }];
        }),
      ) as TriageResult["parts"],
      verdicts,
    };
    // The serve process and the mail servers stop before the lookups, which want the machine to themselves.
    await stopServe(serve.child);
    serve = undefined;
    if (options.indicators > 0) result.intel = await intelBench(options.indicators);
    return result;
  } finally {
    if (serve) await stopServe(serve.child);
    await postfix?.stop();
    await dovecot.stop();
    for (const dir of [dovecot.dir, ws.dir]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  await closed;
}

/** The bench's lines, in the style of the others. */
export function printTriage(result: TriageResult): void {
  const line = (s: Stat) => `median ${s.median} ms   p99 ${s.p99} ms   max ${s.max} ms`;
  console.log(
    `Intake bench --triage: ${result.reports} reports with push on, under intake serve, replies through Postfix into Dovecot ` +
      `(${result.cores} cores, load average ${result.loadAverage.start} at the start, ${result.loadAverage.end} at the end)`,
  );
  console.log(`  pace                   ${result.pace}`);
  const push = result.pushRecheckMs
    ? `IDLE renewed every ${result.pushRecheckMs} ms ("Push Recheck Milliseconds")`
    : "plain IDLE (the server's notices)";
  console.log(`  push                   ${push}`);
  console.log(`  append → case          ${line(result.caseMs)}`);
  console.log(`  append → verdict       ${line(result.verdictMs)}`);
  console.log(`  append → reply sent    ${line(result.replyMs)}   (outbox row sent: the SMTP server answered 250)`);
  console.log(`  append → IDLE notice   ${line(result.noticeMs)}   (the mail server's part, seen by an IMAP client of the bench's own)`);
  console.log(`  notice → case          ${line(result.noticeToCaseMs)}`);
  console.log(`  notice → reply sent    ${line(result.noticeToReplyMs)}`);
  console.log(
    `  goal                   reply sent median ≤ ${result.goal.medianMs} ms, p99 ≤ ${result.goal.p99Ms} ms; ` +
      `case median ≤ ${result.goal.caseMedianMs} ms: ${result.goal.met ? "met" : "not met"}`,
  );
  const p = result.parts;
  const part = (name: keyof Parts) => `${p[name].median}`;
  console.log(
    `  where it goes (median) append ${result.appendMs.median} ms (in the figures above); ` +
      `push → run ${part("toRun")}, run → case ${part("runToCase")}, case → playbook run ${part("caseToPlaybook")}, ` +
      `→ assess ${part("playbookToAssess")}, assess ${part("assess")}, → reply ${part("betweenSteps")}, reply step ${part("reply")}, ` +
      `staged → DATA ${part("stagedToData")}, DATA → 250 ${part("smtp")} ms`,
  );
  console.log(
    `  verdicts               ${Object.entries(result.verdicts)
      .map(([value, n]) => `${value} ${n}`)
      .join(", ")}`,
  );
  if (result.intel) {
    const intel = result.intel;
    console.log(
      `  lookups                ${intel.indicators} indicators refreshed in ${intel.refreshSeconds} s; ` +
        `${intel.lookupsPerSecond} lookups/s (${intel.itemsPerCall} items a call, ${intel.hitRate} of them listed)`,
    );
  }
}
