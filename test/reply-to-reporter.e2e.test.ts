// Replies to reporters end to end: reports in a real Dovecot, the email connector and a playbook step
// "Reply To Reporter", the outbox sending through a real Postfix that delivers into the reporters' own
// Dovecot mailboxes (read over IMAP): threaded, in their language, nobody else; a campaign of three →
// three replies; a rerun → none more; Postfix down → retried, then sent once.
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { deliverToMaildir } from "./support/dovecot.js";
import { readInbox, type ReceivedMail } from "./support/postfix.js";
import { attachedMessage } from "./support/triage.js";
import { configureEmail, createReportsConnector } from "./support/triage-workspace.js";
import { mailServers } from "./support/triage-mail.js";
import { waitFor } from "./support/wait.js";

const PEOPLE = ["alice", "bob", "carol", "mallory", "eve"];
const servers = mailServers(PEOPLE);

/** What a person received. */
const inbox = (person: string) => readInbox(servers.dovecot, person);

const id = (name: string) => `<${name}-${crypto.randomBytes(4).toString("hex")}@example.test>`;

/** The suspect mail: from mallory, Reply-To eve, naming carol; its link the reasons will name. */
function phishMessage(recipient: string, subject = "Your mailbox is full"): { raw: string; messageId: string } {
  const messageId = id("phish");
  return {
    messageId,
    raw: [
      "From: IT Desk <mallory@example.test>",
      "Reply-To: eve@example.test",
      `To: ${recipient}`,
      "Cc: carol@example.test",
      `Subject: ${subject}`,
      "Date: Fri, 20 Nov 2026 09:00:00 +0000",
      `Message-ID: ${messageId}`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Verify now: https://evil.example.test/login",
      "",
    ].join("\r\n"),
  };
}

/** A report: the phish forwarded as an attachment, with the reporter's own words (and Content-Language). */
function report(
  reporter: string,
  words: string,
  options: { language?: string; subject?: string } = {},
): { raw: string; messageId: string } {
  const messageId = id("report");
  const inner = phishMessage(`${reporter}@example.test`, options.subject);
  return {
    messageId,
    raw: [
      "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; " +
        "dkim=pass header.d=example.test; dmarc=pass header.from=example.test",
      `From: ${reporter} <${reporter}@example.test>`,
      "To: analyst@example.test",
      `Subject: =?UTF-8?B?${Buffer.from(`FW: ${options.subject ?? "Your mailbox is full"}`).toString("base64")}?=`,
      "Date: Fri, 20 Nov 2026 09:05:00 +0000",
      `Message-ID: ${messageId}`,
      ...(options.language ? [`Content-Language: ${options.language}`] : []),
      ...attachedMessage(words, inner.raw, { boundary: `b-${crypto.randomBytes(4).toString("hex")}` }),
    ].join("\r\n"),
  };
}

// The second reason hides its hosts' dots: ideographic and fullwidth full stops, a zero-width space, a soft hyphen.
const REASONS = JSON.stringify([
  'URL https://evil.example.test/login in URLhaus (feed "urlhaus")',
  "Also evil\u3002example\uff0etest and evil\u200b.example\u00ad.test",
]);

async function setUp(grouping: string): Promise<Workspace> {
  const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: servers.dovecot.caFile, INTAKE_OUTBOX_BACKOFF_SECONDS: "1" });
  await configureEmail(ws, servers.postfix.params());
  const playbook = {
    name: "reply",
    trigger: { event: "case_created", connector: "reports" },
    steps: [
      {
        id: "reply",
        action: "Email Connector/Reply To Reporter",
        params: {
          Verdict: "malicious",
          Reasons: REASONS,
          "Default Language": "en",
          "Reporter Domains": "example.test",
          "Trusted Authentication Servers": "mx.example.test",
        },
      },
    ],
  };
  const saved = await ws.intake(["playbook", "import", ws.writeJson("playbook.json", playbook)]);
  expect(saved.code, saved.stderr).toBe(0);
  await createReportsConnector(ws, servers.dovecot.params(), ["--grouping", grouping]);
  return ws;
}

async function ingestAndDrain(ws: Workspace, count: number): Promise<void> {
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: count, failed: 0 });
  const drained = await ws.intake(["playbooks", "drain", "--json"]);
  expect(drained.code, drained.stderr).toBe(0);
}

/** The replies in a person's mailbox to one report. */
async function repliesTo(person: string, reportId: string): Promise<ReceivedMail[]> {
  return (await inbox(person)).filter((message) => message.inReplyTo === reportId);
}

describe("Reply To Reporter", () => {
  it("answers each reporter in their own mailbox, threaded, in their language, and nobody else; a rerun sends nothing more", async () => {
    const ws = await setUp("off");
    const english = report("alice", "This looks like phishing, please check.");
    const korean = report("bob", "피싱 메일 같습니다. 확인 부탁드립니다.", { language: "ko-KR" });
    // The suspect mail itself in the reports mailbox: its sender is no reporter.
    const itself = phishMessage("analyst@example.test", "Invoice overdue");
    deliverToMaildir(servers.dovecot, [english.raw, korean.raw, itself.raw]);
    await ingestAndDrain(ws, 3);

    await waitFor(
      async () => (await repliesTo("alice", english.messageId)).length > 0 && (await repliesTo("bob", korean.messageId)).length > 0,
      30_000,
      250,
    );
    const [toAlice] = await repliesTo("alice", english.messageId);
    expect(toAlice!.subject).toMatch(/^Re: your report to the security team \(case #\d+\)$/);
    expect(toAlice!.references).toContain(english.messageId);
    expect(toAlice!.language).toBe("en");
    expect(toAlice!.text).toContain("It is malicious");
    // The reasons defanged: nothing from the phish is a link, in text or HTML.
    expect(toAlice!.text).toContain("hxxps://evil[.]example[.]test/login");
    expect(toAlice!.text + toAlice!.html).not.toContain("https://evil.example.test");
    expect(toAlice!.text).toContain("Also evil[.]example[.]test and evil[.]example[.]test");
    expect(toAlice!.text + toAlice!.html).not.toMatch(/[\u3002\uff0e\u200b\u00ad]/);
    expect(toAlice!.html).not.toMatch(/<a\b/i);
    const [toBob] = await repliesTo("bob", korean.messageId);
    expect(toBob!.language).toBe("ko");
    expect(toBob!.text).toContain("이 메일은 악성입니다");

    const outbox = JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as { recipient: string; status: string }[];
    expect(outbox.map((entry) => [entry.recipient, entry.status]).sort()).toEqual([
      ["alice@example.test", "sent"],
      ["bob@example.test", "sent"],
    ]);

    // The same action again on alice's case, by hand: the outbox already holds her reply.
    const cases = (await ws.intake(["cases", "export", "--jsonl"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number; alerts?: unknown });
    for (const { id: caseId } of cases) {
      const again = await ws.intake([
        "action",
        "run",
        "email",
        "Reply To Reporter",
        "--case",
        String(caseId),
        "--params",
        ws.writeJson("again.json", { Verdict: "benign" }),
        "--json",
      ]);
      expect(again.code, again.stderr).toBe(0);
    }
    const sent = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(sent)).toEqual({ sent: 0, failed: 0, givenUp: 0 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await repliesTo("alice", english.messageId)).toHaveLength(1);
    expect(await repliesTo("bob", korean.messageId)).toHaveLength(1);
    // Nobody named by the phish got anything: its sender, its Reply-To, its Cc.
    for (const person of ["mallory", "eve", "carol"]) expect(await inbox(person), person).toEqual([]);
  });

  it("answers each of a campaign's three reporters once", async () => {
    const ws = await setUp("campaign");
    const reports = ["alice", "bob", "carol"].map((person) => ({
      person,
      ...report(person, "Phish?", { subject: "Payroll update required" }),
    }));
    deliverToMaildir(
      servers.dovecot,
      reports.map((r) => r.raw),
    );
    await ingestAndDrain(ws, 3);
    const cases = (await ws.intake(["cases", "export", "--jsonl"])).stdout.trim().split("\n");
    expect(cases).toHaveLength(1);
    await waitFor(
      async () => (await Promise.all(reports.map(async (r) => (await repliesTo(r.person, r.messageId)).length))).every((n) => n === 1),
      30_000,
      250,
    );
    const outbox = JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as { status: string }[];
    expect(outbox.map((entry) => entry.status)).toEqual(["sent", "sent", "sent"]);
    for (const person of ["mallory", "eve"]) expect(await inbox(person), person).toEqual([]);
  });

  it("keeps a reply while the SMTP server is down and sends it once it is back", async () => {
    const ws = await setUp("off");
    const down = report("carol", "Suspicious, see attached.", { subject: "Shared document" });
    deliverToMaildir(servers.dovecot, [down.raw]);
    await servers.postfix.stop();
    try {
      await ingestAndDrain(ws, 1);
      const waiting = JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as {
        status: string;
        attempts: number;
        lastError: string;
      }[];
      expect(waiting).toMatchObject([{ status: "retrying", attempts: 1 }]);
      expect(waiting[0]!.lastError).toMatch(/^SMTP_FAILED: SMTP localhost:\d+/);
    } finally {
      await servers.postfix.start();
    }
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the backoff (1 s in this test)
    const sent = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(sent), sent.stderr).toEqual({ sent: 1, failed: 0, givenUp: 0 });
    const again = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(again)).toEqual({ sent: 0, failed: 0, givenUp: 0 });
    await waitFor(async () => (await repliesTo("carol", down.messageId)).length > 0, 30_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await repliesTo("carol", down.messageId)).toHaveLength(1);
    const entry = (
      JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as {
        status: string;
        attempts: number;
        attemptLog: { outcome: string }[];
      }[]
    )[0]!;
    expect([entry.status, entry.attempts, entry.attemptLog.map((attempt) => attempt.outcome)]).toEqual(["sent", 2, ["failed", "sent"]]);
  });
});
