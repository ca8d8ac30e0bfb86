// The step kind "Wait For Reporter's Answer" end to end: a report in a real Dovecot, the email connector, a playbook
// Reply To Reporter → Wait For Reporter's Answer → a step per outcome; the reply sent through a real Postfix; the
// reporter's answer (In-Reply-To our reply) appended to the connector's mailbox joins the case it answers, the wait
// ends and a later step reads the answer's text (its quoted part and hostile characters gone); a second case's wait
// times out and the timed-out branch runs. The case wall (Chromium) shows the wait, then "Answered" / "시간 초과".
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, PROJECT_ROOT, queryDatabase, type Workspace } from "./support/cli.js";
import { launchChromium, newConsolePage, signIn, startConsole, type Console } from "./support/console.js";
import { deliverToMaildir } from "./support/dovecot.js";
import { readInbox } from "./support/postfix.js";
import { attachedMessage, OUR_PEOPLE } from "./support/triage.js";
import { configureEmail, createReportsConnector } from "./support/triage-workspace.js";
import { mailServers } from "./support/triage-mail.js";
import { waitFor } from "./support/wait.js";

const ARTIFACTS = path.join(PROJECT_ROOT, "test-artifacts");
const PASSWORD = "wait-admin-password-1";
const servers = mailServers(["alice", "bob"]);
let browser: Browser;
const consoles: Console[] = [];
const cspViolations: string[] = [];

const id = (name: string) => `<${name}-${crypto.randomBytes(4).toString("hex")}@example.test>`;

/** A report: a phish forwarded as an attachment by a reporter of the organisation, authenticated by its own server. */
function report(reporter: string): { raw: string; messageId: string } {
  const messageId = id("report");
  const phish = [
    "From: IT Desk <mallory@example.test>",
    `To: ${reporter}@example.test`,
    "Subject: Your mailbox is full",
    "Date: Fri, 20 Nov 2026 09:00:00 +0000",
    `Message-ID: ${id("phish")}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Verify now: https://evil.example.test/login",
    "",
  ].join("\r\n");
  return {
    messageId,
    raw: [
      "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; dkim=pass header.d=example.test; " +
        "dmarc=pass header.from=example.test",
      `From: ${reporter} <${reporter}@example.test>`,
      "To: analyst@example.test",
      "Subject: FW: Your mailbox is full",
      "Date: Fri, 20 Nov 2026 09:05:00 +0000",
      `Message-ID: ${messageId}`,
      ...attachedMessage("Is this phishing?", phish, { boundary: `b-${crypto.randomBytes(4).toString("hex")}` }),
    ].join("\r\n"),
  };
}

const REPLY_PARAMS = { "Default Language": "en", ...OUR_PEOPLE };

/** Reply, wait, then "thanks" when answered (else jump to "chase"), "chase" when the wait timed out. */
function playbook(timeoutMinutes: number) {
  return {
    name: "ask the reporter",
    trigger: { event: "case_created", connector: "reports" },
    steps: [
      { id: "reply", action: "Email Connector/Reply To Reporter", params: { Verdict: "suspicious", ...REPLY_PARAMS } },
      { id: "answer", waitForAnswer: { timeoutMinutes, replyStep: "reply" } },
      {
        id: "thanks",
        action: "Email Connector/Reply To Reporter",
        when: { step: "answer", equals: "answered" },
        else: "chase",
        params: { Verdict: "benign", Reasons: "You said: [Step.answer.JsonResult.text]", ...REPLY_PARAMS },
      },
      {
        id: "chase",
        action: "Email Connector/Reply To Reporter",
        when: { step: "answer", equals: "timed_out" },
        params: { Verdict: "unknown", ...REPLY_PARAMS },
      },
    ],
  };
}

async function ok(ws: Workspace, args: string[]) {
  const result = await ws.intake(args);
  expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  return result;
}

async function setUp(timeoutMinutes: number): Promise<Workspace> {
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: servers.dovecot.caFile, INTAKE_OUTBOX_BACKOFF_SECONDS: "1" });
  const added = await ws.intake(["users", "add", "admin", "--role", "admin"], { env: { INTAKE_PASSWORD: PASSWORD } });
  expect(added.code, added.stderr).toBe(0);
  await configureEmail(ws, servers.postfix.params());
  await ok(ws, ["playbook", "import", ws.writeJson("playbook.json", playbook(timeoutMinutes))]);
  await createReportsConnector(ws, servers.dovecot.params(), ["--grouping", "off"]);
  return ws;
}

interface StepJson {
  id: string;
  action: string;
  status: string;
  resultValue: unknown;
  json: Record<string, unknown> | null;
  message: string | null;
}
interface RunJson {
  id: number;
  playbook: string;
  status: string;
  steps: StepJson[];
}

/** The case's run of this test's playbook (the built-in phishing triage runs beside it). */
async function runsOf(ws: Workspace, caseId: number): Promise<RunJson[]> {
  const runs = JSON.parse((await ok(ws, ["playbook", "runs", "--case", String(caseId), "--json"])).stdout) as RunJson[];
  return runs.filter((run) => run.playbook === "ask the reporter");
}

const stepOf = (run: RunJson, stepId: string) => run.steps.find((step) => step.id === stepId);

async function cases(ws: Workspace): Promise<{ id: number; title: string }[]> {
  return (await ok(ws, ["cases", "export", "--jsonl"])).stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: number; title: string });
}

/** Runs the connector (expecting `count` new alerts), then the playbooks and the outbox. */
async function ingestAndDrain(ws: Workspace, count: number): Promise<void> {
  const run = await ok(ws, ["connector", "run", "reports", "--json"]);
  expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: count, failed: 0 });
  await ok(ws, ["playbooks", "drain", "--json"]);
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const app of consoles) await app.stop();
});

describe("Wait For Reporter's Answer", () => {
  it("resumes when the reporter answers in the thread of our reply: the answer joins the case and a later step reads it", async () => {
    const ws = await setUp(30);
    const alice = report("alice");
    deliverToMaildir(servers.dovecot, [alice.raw]);
    await ingestAndDrain(ws, 1);
    const [only] = await cases(ws);
    const caseId = only!.id;

    // Our reply went out; the step waits, with its time limit.
    await waitFor(async () => (await readInbox(servers.dovecot, "alice")).some((mail) => mail.inReplyTo === alice.messageId), 30_000, 250);
    const outbox = JSON.parse((await ok(ws, ["outbox", "list", "--json"])).stdout) as {
      caseId: number;
      recipient: string;
      messageId: string;
      status: string;
    }[];
    const ours = outbox.find((entry) => entry.recipient === "alice@example.test" && entry.status === "sent")!;
    expect(ours.messageId).toMatch(/^<.+@.+>$/);
    let [run] = await runsOf(ws, caseId);
    expect(run!.status, JSON.stringify(run)).toBe("running");
    expect(stepOf(run!, "reply")!.status).toBe("completed");
    expect(stepOf(run!, "answer")).toMatchObject({ action: "Wait For Reporter's Answer", status: "waiting" });
    expect(stepOf(run!, "thanks")).toBeUndefined();

    // The case wall says what the step waits for, and until when.
    const app = await startConsole(ws);
    consoles.push(app);
    const page = await newConsolePage(browser, "en-US", cspViolations);
    await signIn(page, app.base, "admin", PASSWORD);
    await page.goto(`${app.base}/cases/${caseId}`);
    const wait = page.getByTestId("playbook-runs").locator('[data-step="answer"]').getByTestId("step-wait");
    await expect.poll(() => wait.textContent(), { timeout: 30_000 }).toMatch(/^Waiting for the reporter's answer until .*\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, "wait-for-answer-1-waiting-en.png"), fullPage: true });

    // Alice answers in the thread of our reply: her words, hostile characters, and our reply quoted below.
    const answer = [
      "From: alice <alice@example.test>",
      "To: analyst@example.test",
      "Subject: Re: your report to the security team",
      "Date: Fri, 20 Nov 2026 10:00:00 +0000",
      `Message-ID: ${id("answer")}`,
      `In-Reply-To: ${ours.messageId}`,
      `References: ${alice.messageId} ${ours.messageId}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Yes, I clicked the link at 9:10 and typed my password.\u202e <script>alert(1)</script> [Case.Title]",
      "",
      "On Fri, 20 Nov 2026 at 09:30, Security Team wrote:",
      "> Thank you for your report. It is suspicious.",
      "",
    ].join("\r\n");
    deliverToMaildir(servers.dovecot, [answer]);
    await ingestAndDrain(ws, 1);

    // No new case: the answer joined the case it answers, as one of its alerts.
    expect((await cases(ws)).map((found) => found.id)).toEqual([caseId]);
    const alerts = queryDatabase<{ data: string }>(ws.db, "select data from alerts where case_id = ? order by id", caseId);
    expect(alerts).toHaveLength(2);
    expect(JSON.parse(alerts[1]!.data)).toMatchObject({ groupedBy: "the reporter's answer" });

    [run] = await runsOf(ws, caseId);
    expect(run!.status).toBe("completed");
    const waited = stepOf(run!, "answer")!;
    expect(waited).toMatchObject({ status: "completed", resultValue: "answered", message: "answered by alice@example.test" });
    const text = "Yes, I clicked the link at 9:10 and typed my password. <script>alert(1)</script> [Case.Title]";
    expect(waited.json).toMatchObject({ answered: true, text, from: "alice@example.test", inReplyTo: ours.messageId });
    expect(stepOf(run!, "thanks")!.status).toBe("completed");
    expect(stepOf(run!, "chase")!.status).toBe("skipped");
    // The later step read the answer: the quoted reply and the direction override gone, the bracket not read as a placeholder.
    const [thanks] = queryDatabase<{ inputs: string }>(
      ws.db,
      "select inputs from playbook_steps where run_id = ? and step_id = 'thanks'",
      run!.id,
    );
    expect(JSON.parse(thanks!.inputs).Reasons).toBe(`You said: ${text}`);

    await expect.poll(() => wait.textContent(), { timeout: 30_000 }).toContain("Answered");
    expect(await wait.textContent()).toContain("<script>alert(1)</script>");
    await page.screenshot({ path: path.join(ARTIFACTS, "wait-for-answer-2-answered-en.png"), fullPage: true });

    // The playbook editor shows the wait as a step of its own kind, with its time limit and the step it answers.
    await page.goto(`${app.base}/playbooks/${encodeURIComponent("ask the reporter")}`);
    const editor = page.locator('[data-step="answer"]');
    await expect.poll(() => editor.textContent(), { timeout: 30_000 }).toContain("Wait for the reporter's answer");
    expect(await editor.getByLabel("timeoutMinutes").inputValue()).toBe("30");
    expect(await editor.getByLabel("replyStep").inputValue()).toBe("reply");
    // No action form: its one select is the step it answers.
    expect(await editor.locator("select").count()).toBe(1);
    expect(cspViolations).toEqual([]);
  });

  it("times out when no answer comes: the run goes on down the timed-out branch", async () => {
    const ws = await setUp(0.05);
    const bob = report("bob");
    deliverToMaildir(servers.dovecot, [bob.raw]);
    await ingestAndDrain(ws, 1);
    const [only] = await cases(ws);
    let [run] = await runsOf(ws, only!.id);
    expect(stepOf(run!, "answer")?.status, JSON.stringify(run)).toBe("waiting");

    // Three seconds later the drain's sweep ends the wait.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await ok(ws, ["playbooks", "drain", "--json"]);
    [run] = await runsOf(ws, only!.id);
    expect(run!.status).toBe("completed");
    expect(stepOf(run!, "answer")).toMatchObject({ status: "completed", resultValue: "timed_out", json: { answered: false } });
    expect(stepOf(run!, "answer")!.message).toMatch(/^no answer by \d{4}-/);
    expect(stepOf(run!, "thanks")!.status).toBe("skipped");
    expect(stepOf(run!, "chase")!.status).toBe("completed");

    // The Korean case wall says it timed out.
    const app = await startConsole(ws);
    consoles.push(app);
    const page = await newConsolePage(browser, "ko-KR", cspViolations);
    await signIn(page, app.base, "admin", PASSWORD);
    await page.goto(`${app.base}/cases/${only!.id}`);
    const wait = page.getByTestId("playbook-runs").locator('[data-step="answer"]').getByTestId("step-wait");
    await expect.poll(() => wait.textContent(), { timeout: 30_000 }).toBe("시간 초과: 답장 없음");
    await page.screenshot({ path: path.join(ARTIFACTS, "wait-for-answer-3-timed-out-ko.png"), fullPage: true });
    expect(cspViolations).toEqual([]);
  });
});
