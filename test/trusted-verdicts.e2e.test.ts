// Verdicts an analyst can trust, end to end through the contract commands: reports in a real Dovecot, a STIX feed
// listing a domain and a URLhaus feed listing a URL, the built-in phishing-triage playbook, and Debian's Postfix
// delivering replies into each person's own Dovecot mailbox, read over IMAP. A phish on the listed domain and a phish
// forwarded inline (Gmail's separator) whose link URLhaus lists are malicious; a DMARC-passing newsletter that shares
// Google Fonts, Facebook, t.co and imgur with the phish reported before it is benign, never "seen in case #N";
// reports from outsiders — a forged staff address, a third party, a list address whose pass an outside server
// wrote — are triaged but answered by no one, and the case says why; each staff reporter gets exactly one reply,
// whose subject carries nothing the outsider wrote.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { deliverToMaildir } from "./support/dovecot.js";
import { readInbox } from "./support/postfix.js";
import { attachedMessage } from "./support/triage.js";
import { configureEmail, configureTriage, createReportsConnector } from "./support/triage-workspace.js";
import { mailServers } from "./support/triage-mail.js";
import { waitFor } from "./support/wait.js";

const STAFF = ["alice", "bob", "carol"];
/** Addresses outsiders put in From: none of them may get mail from the security team. */
const OUTSIDERS = ["ceo", "victim", "allstaff"];
const OUR_MX = "mx.example.test";
const PASS_AT_OUR_MX = (domain: string) =>
  `Authentication-Results: ${OUR_MX}; spf=pass smtp.mailfrom=${domain}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}`;

const servers = mailServers([...STAFF, ...OUTSIDERS]);

function html(paragraph: string, links: string[], head = ""): string {
  const anchors = links.map((href) => `<p><a href="${href}">${href.includes("facebook") ? "Facebook" : "Open"}</a></p>`).join("");
  return `<html><head>${head}</head><body><p>${paragraph}</p>${anchors}</body></html>`;
}

/** A message as our MX delivered it: its own Authentication-Results on top, HTML and text. */
function message(options: {
  from: string;
  to: string;
  subject: string;
  id: string;
  auth: string;
  body: string;
  links: string[];
  head?: string;
  extraHeaders?: string[];
}): string {
  const text = `${options.body}\n\n${options.links.join("\n")}\n`;
  return [
    `Received: from out.sender.test by ${OUR_MX} with ESMTPS; Mon, 07 Dec 2026 09:00:00 +0000`,
    options.auth,
    ...(options.extraHeaders ?? []),
    `From: ${options.from}`,
    `To: ${options.to}`,
    `Subject: ${options.subject}`,
    `Message-ID: <${options.id}>`,
    "Date: Mon, 07 Dec 2026 09:00:00 +0000",
    "MIME-Version: 1.0",
    'Content-Type: multipart/alternative; boundary="alt"',
    "",
    "--alt",
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    "--alt",
    "Content-Type: text/html; charset=utf-8",
    "",
    html(options.body, options.links, options.head),
    "--alt--",
    "",
  ].join("\r\n");
}

/** A colleague's report forwarding `inner` as an attachment, authenticated (or not) by `auth`. */
function attachedReport(reporter: string, id: string, inner: string, auth: string, subject: string): string {
  return [
    `Received: from laptop by ${OUR_MX} with ESMTPSA; Mon, 07 Dec 2026 09:30:00 +0000`,
    auth,
    `From: ${reporter}`,
    "To: phish-reports@example.test",
    `Subject: ${subject}`,
    `Message-ID: <${id}>`,
    "Date: Mon, 07 Dec 2026 09:30:00 +0000",
    ...attachedMessage("Please check this one.", inner, { boundary: "outer", filename: "reported.eml" }),
  ].join("\r\n");
}

function writeFeeds(ws: Workspace): { stix: string; urlhaus: string } {
  // Under the data folder's files/, where feed files belong by default.
  fs.mkdirSync(path.join(ws.dir, "files"), { recursive: true });
  const stix = path.join(ws.dir, "files", "stix.json");
  fs.writeFileSync(
    stix,
    JSON.stringify({
      type: "bundle",
      id: "bundle--1b2c3d4e-0000-4000-8000-000000000028",
      objects: [
        {
          type: "indicator",
          spec_version: "2.1",
          id: "indicator--1b2c3d4e-0000-4000-8000-000000000029",
          pattern_type: "stix",
          pattern: "[domain-name:value = 'acct-review.test']",
          valid_from: "2026-12-01T00:00:00Z",
        },
      ],
    }),
  );
  const urlhaus = path.join(ws.dir, "files", "urlhaus.csv");
  fs.writeFileSync(
    urlhaus,
    [
      "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter",
      '"28001","2026-12-06 08:00:00","https://parcel-hold.test/pay/fee.php","online","2026-12-06 08:00:00",' +
        '"phishing","","https://urlhaus.abuse.ch/url/28001/","tester"',
      "",
    ].join("\n"),
  );
  return { stix, urlhaus };
}

interface ExportedCase {
  id: number;
  title: string;
  priority: number;
  verdict?: { value: string; reasons: string[] };
  alerts: { display_id: string }[];
}

describe("verdicts on evidence, replies only to our own people", () => {
  it("judges the listed domain and the inline forward malicious, a newsletter benign, and answers only authenticated staff", async () => {
    const ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: servers.dovecot.caFile, INTAKE_OUTBOX_BACKOFF_SECONDS: "1" });
    const ok = async (args: string[]) => {
      const result = await ws.intake(args);
      expect(result.code, `intake ${args.join(" ")}: ${result.stderr}`).toBe(0);
      return result;
    };
    await configureEmail(ws, servers.postfix.params());
    // Replies cannot be turned on before the organisation's domains are set.
    const refused = await ws.intake([
      "playbook",
      "configure",
      "phishing-triage",
      "--params",
      ws.writeJson("on.json", { "Reply To Reporter": "true" }),
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('"Reporter Domains" is required when "Reply To Reporter" is "true"');
    await configureTriage(ws, {
      "Reply To Reporter": "true",
      "Reporter Domains": "example.test",
      "Trusted Authentication Servers": OUR_MX,
    });
    const feeds = writeFeeds(ws);
    await ok(["feeds", "add", "cti", "--format", "stix", "--source", feeds.stix, "--reliability", "B"]);
    await ok(["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", feeds.urlhaus]);
    await ok(["feeds", "refresh"]);
    await createReportsConnector(ws, servers.dovecot.params(), ["--grouping", "off"]);

    const fonts = '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">';
    // 1. A phish whose sign-in page sits on a domain the STIX feed lists; it loads Google Fonts and links Facebook.
    const listedDomain = attachedReport(
      "Alice <alice@example.test>",
      "report-domain@example.test",
      message({
        from: "Account Review <notice@acct-review.test>",
        to: "alice@example.test",
        subject: "Unusual sign-in",
        id: "phish-domain@acct-review.test",
        auth:
          `Authentication-Results: ${OUR_MX}; spf=pass smtp.mailfrom=acct-review.test; ` +
          `dkim=none; dmarc=none header.from=acct-review.test`,
        body: "Confirm your account.",
        links: ["https://login.acct-review.test/confirm", "https://www.facebook.com/acctreview", "https://t.co/x1"],
        head: fonts,
      }),
      PASS_AT_OUR_MX("example.test"),
      "FW: Unusual sign-in",
    );
    // 2. A phish forwarded inline, as Gmail writes it: the listed URL stands below the separator.
    const inline = [
      `Received: from laptop by ${OUR_MX} with ESMTPSA; Mon, 07 Dec 2026 09:31:00 +0000`,
      PASS_AT_OUR_MX("example.test"),
      "From: Bob <bob@example.test>",
      "To: phish-reports@example.test",
      "Subject: Fwd: Your parcel is on hold",
      "Message-ID: <report-inline@example.test>",
      "Date: Mon, 07 Dec 2026 09:31:00 +0000",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Looks fake to me.",
      "",
      "-- ",
      "Bob | https://intranet.example.test/people/bob",
      "",
      "---------- Forwarded message ---------",
      "From: Parcel Service <track@parcel-notify.test>",
      "Date: Mon, 7 Dec 2026 at 08:12",
      "Subject: Your parcel is on hold",
      "To: <bob@example.test>",
      "",
      "Pay the customs fee: https://parcel-hold.test/pay/fee.php",
      "Follow us: https://www.facebook.com/parcels",
      "",
    ].join("\r\n");
    // 3. A newsletter our MX authenticated, sharing Google Fonts, Facebook, t.co and imgur with the phish before it.
    const newsletter = attachedReport(
      "Carol <carol@example.test>",
      "report-news@example.test",
      message({
        from: "Trailhead Outfitters <news@trailhead.test>",
        to: "carol@example.test",
        subject: "This week's picks",
        id: "news-1@trailhead.test",
        auth: PASS_AT_OUR_MX("trailhead.test"),
        body: "Our winter collection is in.",
        head: fonts,
        links: [
          "https://www.trailhead.test/new?utm_source=email",
          "https://www.facebook.com/trailhead",
          "https://t.co/x1",
          "https://imgur.com/gallery/abc",
          "https://www.trailhead.test/unsubscribe",
        ],
      }),
      PASS_AT_OUR_MX("example.test"),
      "FW: This week's picks",
    );
    // 4–6. Outsiders writing straight to the reporting mailbox, each forwarding something with a subject of theirs.
    const lure = (id: string) =>
      message({
        from: "Refunds <refunds@payout.test>",
        to: "phish-reports@example.test",
        subject: "Re: Your refund of 500 USD is approved - call +1-555-0100",
        id,
        auth: `Authentication-Results: ${OUR_MX}; spf=fail smtp.mailfrom=payout.test; dmarc=fail header.from=payout.test`,
        body: "Call us.",
        links: [],
      });
    const forgedStaff = attachedReport(
      "CEO <ceo@example.test>",
      "outsider-forged@payout.test",
      lure("lure-1@payout.test"),
      `Authentication-Results: ${OUR_MX}; spf=fail smtp.mailfrom=example.test; dkim=none; dmarc=fail header.from=example.test`,
      "Re: Your refund of 500 USD is approved - call +1-555-0100",
    );
    const thirdParty = attachedReport(
      "Victim <victim@elsewhere.test>",
      "outsider-third@elsewhere.test",
      lure("lure-2@payout.test"),
      PASS_AT_OUR_MX("elsewhere.test"),
      "Re: Your refund of 500 USD is approved - call +1-555-0100",
    );
    const listAddress = attachedReport(
      "All staff <allstaff@example.test>",
      "outsider-list@payout.test",
      lure("lure-3@payout.test"),
      "Authentication-Results: mx.payout.test; spf=pass smtp.mailfrom=example.test; " +
        "dkim=pass header.d=example.test; dmarc=pass header.from=example.test",
      "Re: Your refund of 500 USD is approved - call +1-555-0100",
    );

    // The phish first, then the newsletter: earlier cases pile up as over a day.
    deliverToMaildir(servers.dovecot, [listedDomain, inline]);
    await ok(["connector", "run", "reports", "--json"]);
    await ok(["playbooks", "drain", "--json"]);
    deliverToMaildir(servers.dovecot, [newsletter, forgedStaff, thirdParty, listAddress]);
    await ok(["connector", "run", "reports", "--json"]);
    expect(ws.lastJson(await ok(["playbooks", "drain", "--json"]))).toMatchObject({ failed: 0 });

    const cases = (await ok(["cases", "export", "--jsonl"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ExportedCase);
    const byAlert = (id: string) => cases.find((item) => item.alerts.some((alert) => alert.display_id === id))!;
    const domainCase = byAlert("report-domain@example.test");
    expect([domainCase.verdict?.value, domainCase.priority]).toEqual(["malicious", 80]);
    expect(domainCase.verdict!.reasons.join("\n")).toContain('in STIX (feed "cti", reliability B), listed as acct-review[.]test');
    const inlineCase = byAlert("report-inline@example.test");
    expect(inlineCase.verdict?.value).toBe("malicious");
    expect(inlineCase.verdict!.reasons.join("\n")).toContain(
      'URL hxxps://parcel-hold[.]test/pay/fee.php in URLhaus (feed "urlhaus", reliability C)',
    );
    // The reporter's own signature stays theirs: their intranet is no indicator of the phish.
    expect(inlineCase.verdict!.reasons.join("\n")).not.toContain("intranet");
    const newsCase = byAlert("report-news@example.test");
    expect(newsCase.verdict?.value).toBe("benign");
    expect(newsCase.verdict!.reasons.join("\n")).not.toMatch(/seen in case #/);
    expect(newsCase.verdict!.reasons[0]).toBe(
      "DMARC pass for news@trailhead[.]test, judged by mx[.]example[.]test (a Trusted Authentication Server)",
    );

    // The outsiders' reports are triaged, but answered by no one, and each case says why.
    const runs = async (caseId: number) =>
      JSON.parse((await ok(["playbook", "runs", "--case", String(caseId), "--json"])).stdout) as {
        steps: { id: string; json: { skipped?: { reason: string }[] } }[];
      }[];
    const why = async (id: string) =>
      (await runs(byAlert(id).id))[0]!.steps.find((step) => step.id === "reply")!.json.skipped!.map((skip) => skip.reason);
    expect(await why("outsider-forged@payout.test")).toEqual([
      expect.stringContaining("the report from ceo@example.test is not authenticated"),
    ]);
    expect(await why("outsider-third@elsewhere.test")).toEqual([
      "the reporter victim@elsewhere.test is not in the organisation's domains (example.test)",
    ]);
    expect(await why("outsider-list@payout.test")).toEqual([expect.stringContaining("not written by a Trusted Authentication Server")]);

    // Each staff reporter gets exactly one reply; no outsider gets any; no reply's subject carries an outsider's words.
    // The drain sends what it staged; whatever is left is sent now. The outbox holds one row per staff reporter.
    await ok(["outbox", "send", "--json"]);
    const outbox = JSON.parse((await ok(["outbox", "list", "--json"])).stdout) as { recipient: string; status: string }[];
    expect(outbox.map((row) => [row.recipient, row.status]).sort()).toEqual(STAFF.map((person) => [`${person}@example.test`, "sent"]));
    await waitFor(
      async () => (await Promise.all(STAFF.map((person) => readInbox(servers.dovecot, person)))).every((inbox) => inbox.length === 1),
      30_000,
      250,
    );
    for (const person of STAFF) {
      const inbox = await readInbox(servers.dovecot, person);
      expect(inbox, person).toHaveLength(1);
      expect(inbox[0]!.subject).toMatch(/^Re: your report to the security team \(case #\d+\)$/);
    }
    expect((await readInbox(servers.dovecot, "carol"))[0]!.text).toContain("it is safe");
    for (const person of OUTSIDERS) expect(await readInbox(servers.dovecot, person), person).toEqual([]);
    expect(ws.lastJson(await ok(["outbox", "send", "--json"]))).toEqual({ sent: 0, failed: 0, givenUp: 0 });
  }, 300_000);
});
