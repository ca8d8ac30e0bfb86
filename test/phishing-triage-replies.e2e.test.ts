// Phishing triage as a team gets it out of the box, end to end through the contract commands: reports in a
// real Dovecot, threat-intel feeds read from files written here in three formats (URLhaus CSV, a STIX 2.1
// bundle, a MISP feed folder), the built-in phishing-triage playbook (assess, then reply) run by
// `intake playbooks drain` while it is SIGKILLed at random moments and the SMTP server is down, then Debian's
// Postfix delivering the replies into each reporter's own Dovecot mailbox, read over IMAP: every report has
// the verdict its indicators call for, with reasons naming them defanged, simulations are closed, and each
// reporter has exactly one reply, threaded, in their language, and nobody else has any.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { deliverToMaildir } from "./support/dovecot.js";
import { readInbox } from "./support/postfix.js";
import { attachedMessage, OUR_PEOPLE } from "./support/triage.js";
import { configureEmail, configureTriage, createReportsConnector } from "./support/triage-workspace.js";
import { mailServers } from "./support/triage-mail.js";
import { waitFor } from "./support/wait.js";

const REPORTERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
/** The phish's sender and its Reply-To: never to be written to. */
const PHISHERS = ["mallory", "eve"];
const ATTACHMENT = Buffer.from("MZ\x90\x00 not really a program: the MISP feed lists this file's hash\n");
const ATTACHMENT_SHA256 = crypto.createHash("sha256").update(ATTACHMENT).digest("hex");

const servers = mailServers([...REPORTERS, ...PHISHERS]);

/** What a person received. */
const inbox = (person: string) => readInbox(servers.dovecot, person);

interface Phish {
  from: string;
  subject: string;
  body: string;
  messageId?: string;
  headers?: string[];
  attachment?: boolean;
}

const OUR_MX_PASS =
  "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; " +
  "dkim=pass header.d=example.test; dmarc=pass header.from=example.test";

/** A colleague's report: their own words, and the suspect mail (Reply-To eve) attached. */
function report(reporter: string, words: string, phish: Phish, language?: string): { reporter: string; raw: string; messageId: string } {
  const messageId = `<report-${reporter}-${crypto.randomBytes(4).toString("hex")}@example.test>`;
  const inner = [
    `From: IT Service Desk <${phish.from}>`,
    "Reply-To: eve@example.test",
    `To: ${reporter}@example.test`,
    `Subject: ${phish.subject}`,
    "Date: Fri, 04 Dec 2026 09:00:00 +0000",
    `Message-ID: ${phish.messageId ?? `<phish-${crypto.randomBytes(4).toString("hex")}@mallory.test>`}`,
    ...(phish.headers ?? []),
    "MIME-Version: 1.0",
    ...(phish.attachment
      ? [
          'Content-Type: multipart/mixed; boundary="inner"',
          "",
          "--inner",
          "Content-Type: text/plain; charset=utf-8",
          "",
          phish.body,
          "",
          "--inner",
          "Content-Type: application/octet-stream",
          'Content-Disposition: attachment; filename="invoice.pdf"',
          "Content-Transfer-Encoding: base64",
          "",
          ATTACHMENT.toString("base64"),
          "--inner--",
        ]
      : ["Content-Type: text/plain; charset=utf-8", "", phish.body]),
    "",
  ].join("\r\n");
  return {
    reporter,
    messageId,
    raw: [
      // Our MX authenticated the colleague's report: only such a report is answered.
      OUR_MX_PASS,
      `From: ${reporter} <${reporter}@example.test>`,
      "To: phish-reports@example.test",
      `Subject: FW: ${phish.subject}`,
      "Date: Fri, 04 Dec 2026 09:30:00 +0000",
      `Message-ID: ${messageId}`,
      ...(language ? [`Content-Language: ${language}`] : []),
      ...attachedMessage(words, inner, { boundary: "outer", filename: "suspect.eml" }),
    ].join("\r\n"),
  };
}

/** Feed files in each format this test needs, written as their publishers write them. */
function writeFeeds(ws: Workspace): Record<string, string> {
  const dir = path.join(ws.dir, "feeds");
  fs.mkdirSync(path.join(dir, "misp"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "urlhaus.csv"),
    [
      "################################################################",
      "# abuse.ch URLhaus Database Dump (CSV - recent URLs)           #",
      "################################################################",
      "#",
      "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter",
      '"9001","2026-12-03 08:00:00","http://login-verify.test/account","online","2026-12-03 08:00:00",' +
        '"phishing","","https://urlhaus.abuse.ch/url/9001/","tester"',
      "",
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(dir, "stix.json"),
    JSON.stringify({
      type: "bundle",
      id: "bundle--6d1f7e0a-0c1f-4d5e-9a2b-3c4d5e6f7a8b",
      objects: [
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--7e2a1b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b",
          pattern_type: "stix",
          pattern: "[domain-name:value = 'stix-phish.test']",
          valid_from: "2026-12-01T00:00:00Z",
        },
      ],
    }),
  );
  const event = "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d";
  fs.writeFileSync(
    path.join(dir, "misp", "manifest.json"),
    JSON.stringify({ [event]: { info: "Invoice malware", date: "2026-12-02", timestamp: "1764633600" } }),
  );
  fs.writeFileSync(
    path.join(dir, "misp", `${event}.json`),
    JSON.stringify({
      Event: {
        info: "Invoice malware",
        uuid: event,
        Attribute: [{ type: "filename|sha256", category: "Payload delivery", value: `invoice.pdf|${ATTACHMENT_SHA256}` }],
      },
    }),
  );
  return { urlhaus: path.join(dir, "urlhaus.csv"), stix: path.join(dir, "stix.json"), misp: path.join(dir, "misp") };
}

interface ExportedCase {
  id: number;
  title: string;
  priority: number;
  status: string;
  alert_count?: number;
  verdict?: { value: string; reasons: string[] };
}

describe("phishing triage out of the box", () => {
  it("gives each report the verdict its indicators call for, closes simulations, and answers each reporter exactly once \
through kills and an SMTP outage", async () => {
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: servers.dovecot.caFile, INTAKE_OUTBOX_BACKOFF_SECONDS: "1" });
    await configureEmail(ws, servers.postfix.params());
    const feeds = writeFeeds(ws);
    for (const [name, source] of Object.entries(feeds)) {
      const added = await ws.intake(["feeds", "add", name, "--format", name, "--source", source]);
      expect(added.code, added.stderr).toBe(0);
    }
    const refreshed = await ws.intake(["feeds", "refresh", "--json"]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(ws.lastJson(refreshed)).toEqual({
      feeds: expect.arrayContaining([
        { name: "urlhaus", indicators: 1 },
        { name: "stix", indicators: 1 },
        { name: "misp", indicators: 1 },
      ]),
    });
    await configureTriage(ws, { "Simulation Headers": "X-PhishTest", ...OUR_PEOPLE });
    await createReportsConnector(ws, servers.dovecot.params());

    // Each phish from its own sender: a sender seen in an earlier malicious case would count against the others.
    const campaign = {
      from: "mallory@example.test",
      subject: "Payroll portal moved",
      body: "Log in at the new portal before Friday.",
      messageId: "<payroll-campaign@mallory.test>",
    };
    const reports = {
      // Listed by URLhaus, written differently: scheme and host case, the default port.
      url: report("alice", "This looks like phishing.", {
        from: "security@account-alerts.test",
        subject: "Account locked",
        body: "Unlock it: HTTP://Login-Verify.TEST:80/account",
      }),
      // Its host under a domain a STIX indicator lists whole; the reporter writes Korean.
      domain: report(
        "bob",
        "피싱 메일 같습니다. 확인 부탁드립니다.",
        { from: "share@docs-notify.test", subject: "Shared document", body: "Open https://docs.stix-phish.test/view?id=7" },
        "ko-KR",
      ),
      // An attachment whose hash a MISP event lists.
      hash: report("carol", "Unexpected invoice.", {
        from: "billing@supplier-mail.test",
        subject: "Invoice 4471",
        body: "Please find the invoice attached.",
        attachment: true,
      }),
      simulation: report("dave", "Phish?", {
        from: "rewards@training-vendor.test",
        subject: "Gift card for you",
        body: "Claim it at https://gifts.training.test/claim",
        headers: ["X-PhishTest: campaign-12"],
      }),
      unknown: report("erin", "Not sure about this one.", {
        from: "office@lunch-poll.test",
        subject: "Team lunch poll",
        body: "Vote at https://poll.lunch.test/vote",
      }),
      campaign: ["frank", "grace", "heidi"].map((person) => report(person, "Is this real?", campaign)),
    };
    const all = [reports.url, reports.domain, reports.hash, reports.simulation, reports.unknown, ...reports.campaign];
    deliverToMaildir(
      servers.dovecot,
      all.map((r) => r.raw),
    );
    const run = await ws.intake(["connector", "run", "reports", "--json"]);
    expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: all.length, failed: 0 });

    // The SMTP server is down while the playbooks run, and the drain is SIGKILLed at random moments.
    await servers.postfix.stop();
    try {
      let kills = 0;
      for (let round = 0; round < 6; round++) {
        const drain = ws.spawnIntake(["playbooks", "drain"]);
        drain.stdout!.resume();
        drain.stderr!.resume();
        const exited = new Promise<number | null>((resolve) => drain.once("exit", (code) => resolve(code)));
        const timer = setTimeout(() => drain.kill("SIGKILL"), 300 + crypto.randomInt(2500));
        if ((await exited) === null) kills++;
        clearTimeout(timer);
      }
      const finished = await ws.intake(["playbooks", "drain", "--json"]);
      expect(finished.code, finished.stderr).toBe(0);
      expect(ws.lastJson(finished)).toMatchObject({ failed: 0 });
      expect(kills, "the drain was killed at least once before it finished").toBeGreaterThan(0);
      const waiting = JSON.parse((await ws.intake(["outbox", "list", "--json"])).stdout) as {
        recipient: string;
        status: string;
        lastError: string | null;
      }[];
      expect(waiting.map((entry) => entry.recipient).sort()).toEqual(REPORTERS.map((person) => `${person}@example.test`));
      for (const entry of waiting)
        expect([entry.status, entry.lastError ?? ""]).toEqual(["retrying", expect.stringMatching(/^SMTP_FAILED: SMTP /)]);
    } finally {
      await servers.postfix.start();
    }

    // Each step of each run completed once: its action's run is stored once, under its key.
    const db = new Database(ws.db, { readonly: true });
    const steps = db
      .prepare(
        "select step_id as step, status, count(*) as n from action_runs " +
          "where playbook_run_id is not null group by playbook_run_id, step_id",
      )
      .all() as { step: string; status: string; n: number }[];
    db.close();
    const exported = (await ws.intake(["cases", "export", "--jsonl"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ExportedCase);
    expect(exported).toHaveLength(6);
    expect(steps.filter((s) => s.step === "assess")).toHaveLength(6);
    expect(steps.filter((s) => s.step === "reply")).toHaveLength(6);
    expect(
      steps.every((s) => s.n === 1 && s.status === "completed"),
      JSON.stringify(steps),
    ).toBe(true);

    // The verdicts, with reasons naming the indicator (defanged) and its source.
    const byTitle = (title: string) => exported.find((item) => item.title === title)!;
    const url = byTitle("Account locked");
    expect([url.verdict?.value, url.priority, url.status]).toEqual(["malicious", 80, "open"]);
    // The connector keeps the URL as written, host in lower case; the feed listed it without the default port.
    const inUrlhaus = /^URL hxxp:\/\/login-verify\[\.\]test:80\/account in URLhaus \(feed "urlhaus", reliability C\), /.source;
    const listedAs = /listed as hxxp:\/\/login-verify\[\.\]test\/account: phishing$/.source;
    expect(url.verdict!.reasons.join("\n")).toMatch(new RegExp(inUrlhaus + listedAs, "m"));
    const domain = byTitle("Shared document");
    expect(domain.verdict?.value).toBe("malicious");
    expect(domain.verdict!.reasons.join("\n")).toMatch(
      /docs\[\.\]stix-phish\[\.\]test.* in STIX \(feed "stix", reliability C\), listed as stix-phish\[\.\]test/,
    );
    const hash = byTitle("Invoice 4471");
    expect(hash.verdict?.value).toBe("malicious");
    expect(hash.verdict!.reasons.join("\n")).toContain(`in MISP (feed "misp", reliability C)`);
    expect(hash.verdict!.reasons.join("\n")).toContain(
      `attachment invoice[.]pdf (sha256 ${ATTACHMENT_SHA256}) in MISP (feed "misp", reliability C)`,
    );
    const simulation = byTitle("Gift card for you");
    expect([simulation.verdict?.value, simulation.status]).toEqual(["simulation", "closed"]);
    expect(simulation.verdict!.reasons).toEqual(['a phishing simulation: header x-phishtest present (setting "Simulation Headers")']);
    const unknown = byTitle("Team lunch poll");
    expect([unknown.verdict?.value, unknown.status]).toEqual(["unknown", "open"]);
    const payroll = byTitle("Payroll portal moved");
    expect([payroll.verdict?.value, payroll.alert_count]).toEqual(["unknown", 3]);

    // Postfix is back: the outbox sends each reply once.
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the backoff (1 s here)
    const sent = await ws.intake(["outbox", "send", "--json"]);
    expect(ws.lastJson(sent), sent.stderr).toEqual({ sent: REPORTERS.length, failed: 0, givenUp: 0 });
    expect(ws.lastJson(await ws.intake(["outbox", "send", "--json"]))).toEqual({ sent: 0, failed: 0, givenUp: 0 });
    await waitFor(async () => (await Promise.all(all.map(async (r) => (await inbox(r.reporter)).length))).every((n) => n > 0), 30_000, 250);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // anything sent twice would have arrived by now

    const replyOf = async (r: { reporter: string; messageId: string }) => {
      const received = await inbox(r.reporter);
      expect(received, r.reporter).toHaveLength(1);
      const [reply] = received;
      expect(reply!.to).toBe(`${r.reporter}@example.test`);
      expect([reply!.inReplyTo, reply!.references]).toEqual([r.messageId, r.messageId]);
      expect(reply!.text + reply!.html).not.toMatch(/https?:\/\/|<a\b/i);
      return reply!;
    };
    const toAlice = await replyOf(reports.url);
    // The reported subject is the phisher's text: it stays out of the reply's subject.
    expect([toAlice.subject, toAlice.language]).toEqual([
      expect.stringMatching(/^Re: your report to the security team \(case #\d+\)$/),
      "en",
    ]);
    expect(toAlice.text).toContain("It is malicious");
    expect(toAlice.text).toContain("hxxp://login-verify[.]test:80/account");
    const toBob = await replyOf(reports.domain);
    expect(toBob.language).toBe("ko");
    expect(toBob.text).toContain("이 메일은 악성입니다");
    expect(toBob.text).toContain("stix-phish[.]test");
    expect((await replyOf(reports.hash)).text).toContain("It is malicious");
    expect((await replyOf(reports.simulation)).text).toContain("phishing simulation");
    expect((await replyOf(reports.unknown)).text).toContain("an analyst will look at it");
    for (const r of reports.campaign) expect((await replyOf(r)).text).toContain(`case #${payroll.id}`);
    for (const person of PHISHERS) expect(await inbox(person), person).toEqual([]);
  }, 300_000);
});
