// Each parameter of the production email connector, against a real Dovecot (and a real proxy, and
// Dovecot's real OAuth2 mode with a loopback token service standing in for the cloud provider).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { countUnread, startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import type { Workspace } from "./support/cli.js";
import { createEmailConnector, emailWorkspace } from "./support/email-workspace.js";
import { makeReport, makeReports } from "./support/messages.js";
import { startTinyproxy, type Proxy as Tinyproxy } from "./support/proxy.js";
import { dovecotOAuth2Config, oauth2ConfFile, startOAuth2Provider, type OAuth2Provider } from "./support/oauth2-provider.js";

let server: Dovecot;
let provider: OAuth2Provider;
let proxy: Tinyproxy;

beforeAll(async () => {
  provider = await startOAuth2Provider();
  const confFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "intake-oauth-")), "oauth2.conf.ext");
  fs.writeFileSync(confFile, oauth2ConfFile(provider));
  fs.chmodSync(path.dirname(confFile), 0o755);
  server = await startDovecot({ authMechanisms: "plain login xoauth2 oauthbearer", extraConfig: dovecotOAuth2Config(provider, confFile) });
  proxy = await startTinyproxy();
});
afterAll(async () => {
  await server?.stop();
  await provider?.stop();
  proxy?.stop();
});

async function resetMailbox(): Promise<void> {
  await withImap(server, async (client) => {
    for (const folder of await client.list()) {
      if (folder.path !== "INBOX") await client.mailboxDelete(folder.path).catch(() => undefined);
    }
    await client.mailboxOpen("INBOX");
    await client.messageDelete("1:*").catch(() => undefined);
  });
}

async function append(messages: string[], folder = "INBOX", options: { seen?: boolean; internalDate?: Date } = {}): Promise<void> {
  await withImap(server, async (client) => {
    if (folder !== "INBOX") await client.mailboxCreate(folder).catch(() => undefined);
    for (const message of messages) await client.append(folder, message, options.seen ? ["\\Seen"] : [], options.internalDate);
  });
}

async function connector(ws: Workspace, name: string, params: Record<string, unknown> = {}): Promise<void> {
  await createEmailConnector(ws, server, name, params);
}

async function run(ws: Workspace, name: string, extra: string[] = []) {
  const result = await ws.intake(["connector", "run", name, "--json", "--verbose", ...extra]);
  return { ...result, summary: ws.lastJson(result) };
}

/** An exported alert: its id and its events, the first always there. */
type ExportedAlert = { display_id: string; events: [Record<string, unknown>, ...Record<string, unknown>[]] };

async function exported(ws: Workspace) {
  const result = await ws.intake(["cases", "export", "--jsonl"]);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { environment: string; alerts: ExportedAlert[] });
}

function workspace(): Workspace {
  return emailWorkspace(server);
}

beforeEach(async () => {
  await resetMailbox();
});

describe("email connector parameters", () => {
  it("Folder to check for emails: reads each folder of a comma-separated list with its own checkpoint", async () => {
    await append([makeReport(1).raw, makeReport(2).raw]);
    await append([makeReport(3).raw], "Phish Reports");
    const ws = workspace();
    await connector(ws, "folders", { "Folder to check for emails": "INBOX, phish reports" });
    expect((await run(ws, "folders")).summary).toMatchObject({ ingested: 3 });
    await append([makeReport(4).raw], "Phish Reports");
    expect((await run(ws, "folders")).summary).toMatchObject({ fetched: 1, ingested: 1 });
    expect(await countUnread(server, "Phish Reports")).toBe(0);
  });

  it("Unread Emails Only = false: takes read mail too, then only UIDs above the checkpoint", async () => {
    await append([makeReport(1).raw], "INBOX", { seen: true });
    await append([makeReport(2).raw]);
    const ws = workspace();
    await connector(ws, "all", { "Unread Emails Only": false });
    expect((await run(ws, "all")).summary).toMatchObject({ ingested: 2 });
    await append([makeReport(3).raw], "INBOX", { seen: true });
    expect((await run(ws, "all")).summary).toMatchObject({ fetched: 1, ingested: 1 });
    expect((await run(ws, "all")).summary).toMatchObject({ fetched: 0, ingested: 0 });
  });

  it("Mark Emails as Read = false: leaves mail unread and never takes it twice", async () => {
    await append(makeReports(3).map((r) => r.raw));
    const ws = workspace();
    await connector(ws, "keep", { "Mark Emails as Read": false });
    expect((await run(ws, "keep")).summary).toMatchObject({ ingested: 3 });
    expect(await countUnread(server)).toBe(3);
    expect((await run(ws, "keep")).summary).toMatchObject({ fetched: 0, ingested: 0 });
  });

  it("Move Emails To Folder: moves each message once its case is stored", async () => {
    await append(makeReports(2).map((r) => r.raw));
    await withImap(server, (client) => client.mailboxCreate("Processed").then(() => undefined));
    const ws = workspace();
    await connector(ws, "move", { "Move Emails To Folder": "processed" });
    expect((await run(ws, "move")).summary).toMatchObject({ ingested: 2 });
    const counts = await withImap(server, async (client) => [
      await client.status("INBOX", { messages: true }),
      await client.status("Processed", { messages: true, unseen: true }),
    ]);
    expect(counts[0]).toMatchObject({ messages: 0 });
    expect(counts[1]).toMatchObject({ messages: 2, unseen: 0 });
  });

  it("Offset Time In Days: the first run takes only recent mail; older unread mail is left alone and counted", async () => {
    await append([makeReport(1).raw], "INBOX", { internalDate: new Date(Date.now() - 20 * 86_400_000) });
    await append([makeReport(2).raw, makeReport(3).raw]);
    const ws = workspace();
    await connector(ws, "window", { "Offset Time In Days": 5 });
    const first = await run(ws, "window");
    expect(first.summary).toMatchObject({ ingested: 2 });
    expect(first.stderr).toMatch(/1 unread messages in INBOX were received before .* left alone/);
    expect((await run(ws, "window")).summary).toMatchObject({ fetched: 0 });
    expect(await countUnread(server)).toBe(1);
  });

  it("Max Emails Per Cycle: a limit smaller than the backlog still drains it, oldest first", async () => {
    const reports = makeReports(25);
    await append(reports.map((r) => r.raw));
    const ws = workspace();
    await connector(ws, "limited", { "Max Emails Per Cycle": 10 });
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) counts.push(Number((await run(ws, "limited")).summary.ingested));
    expect(counts).toEqual([10, 10, 5, 0]);
    const ids = (await exported(ws)).flatMap((c) => c.alerts.map((a) => a.display_id));
    expect(ids.slice(0, 10)).toEqual(reports.slice(0, 10).map((r) => r.messageId));
  });

  it("Proxy Server Address: connects through a real HTTP CONNECT proxy, and names a dead proxy", async () => {
    await append([makeReport(1).raw]);
    const ws = workspace();
    await connector(ws, "proxied", { "Proxy Server Address": `127.0.0.1:${proxy.port}`, "IMAP Server Address": "127.0.0.1" });
    const result = await run(ws, "proxied");
    expect(result.code, result.stderr).toBe(0);
    expect(result.summary).toMatchObject({ ingested: 1 });
    expect(proxy.log()).toMatch(new RegExp(`CONNECT.*127\\.0\\.0\\.1:${server.port}`, "i"));

    await connector(ws, "deadproxy", { "Proxy Server Address": "http://127.0.0.1:1", "Proxy Password": "pp-secret-1" });
    const dead = await ws.intake(["connector", "run", "deadproxy"]);
    expect(dead.code).not.toBe(0);
    expect(dead.stderr.trim().split("\n").pop()).toMatch(/^IMAP_(PROXY|CONNECT): /);
    expect(dead.stderr + dead.stdout).not.toContain("pp-secret-1");
  });

  it("Additional headers, Server Time Zone and the environment become event and case fields", async () => {
    const raw = makeReport(1)
      .raw.replace(/^Date: .*$/m, "Date: Tue, 3 Nov 2026 09:00:00")
      .replace("MIME-Version: 1.0", "X-Mailer: PhishKit 2.0\r\nX-Campaign-Id: c-77\r\nMIME-Version: 1.0");
    await append([raw]);
    const ws = workspace();
    await connector(ws, "fields", {
      "Additional headers to extract from emails": "X-Mailer, X-Campaign-*",
      "Server Time Zone": "Asia/Seoul",
      "Environment Field Name": "SourceEmailAddress",
      "Environment Regex Pattern": "@([a-z0-9-]+)\\.test$",
    });
    expect((await run(ws, "fields")).summary).toMatchObject({ ingested: 1 });
    const [item] = await exported(ws);
    const event = item!.alerts[0]!.events[0];
    expect(event).toMatchObject({ "header_x-mailer": "PhishKit 2.0", "header_x-campaign-id": "c-77" });
    expect(event.StartTime).toBe(Date.parse("2026-11-03T00:00:00Z"));
    expect(item!.environment).toBe("phish-1");
  });

  it("Exclusion Subject/Body Regex and Allowed Senders: skipped messages are counted and logged, never made alerts", async () => {
    const ooo = makeReport(1, { subject: "Automatic reply: out of office" }).raw;
    // Index 3 is written in 7bit, so the body's words are in the raw text to replace.
    const newsletter = makeReport(3).raw.replace("please verify your account", "unsubscribe from this newsletter");
    const outsider = makeReport(6).raw.replace(/^From: .*$/m, "From: Mallory <mallory@outside.example>");
    const good = makeReport(4);
    await append([ooo, newsletter, outsider, good.raw]);
    const ws = workspace();
    await connector(ws, "filters", {
      "Exclusion Subject Regex": "^(automatic reply|out of office)",
      "Exclusion Body Regex": "unsubscribe",
      "Allowed Senders": "phish-4.test, phish-1.test, phish-3.test",
    });
    const result = await run(ws, "filters");
    expect(result.summary).toMatchObject({ fetched: 4, ingested: 1, skipped: 3 });
    expect(result.stderr).toMatch(/skipped .*excluded: its subject matches the Exclusion Subject Regex/);
    expect(result.stderr).toMatch(/skipped .*excluded: its body matches the Exclusion Body Regex/);
    expect(result.stderr).toMatch(/skipped .*refused: the sender mallory@outside\.example is not on the Allowed Senders list/);
    expect((await exported(ws)).flatMap((c) => c.alerts.map((a) => a.display_id))).toEqual([good.messageId]);
    expect(await countUnread(server)).toBe(0);
    const runs = await ws.intake(["runs", "show", String(result.summary.run)]);
    expect(runs.stdout).toMatch(/refused: the sender mallory@outside\.example/);
  });

  it("prefixes and Create a Separate Alert per Attached Mail File: a report forwarding two mails", async () => {
    const inner = (i: number) => makeReport(200 + i, { subject: `Inner phish ${i}` }).raw;
    const boundary = "two-mails";
    const report = [
      "From: Staff <staff@company.test>",
      "To: analyst@example.test",
      "Subject: FW: two phish",
      "Date: Mon, 2 Nov 2026 10:00:00 +0000",
      "Message-ID: <two-mails-report@company.test>",
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain",
      "",
      "Two of them.",
      "",
      `--${boundary}`,
      "Content-Type: message/rfc822",
      "",
      inner(1),
      `--${boundary}`,
      "Content-Type: message/rfc822",
      "",
      inner(2),
      `--${boundary}--`,
      "",
    ].join("\r\n");
    await append([report]);
    const ws = workspace();
    await connector(ws, "joined", { "Original Received Mail Prefix": "wrap", "Attached Mail File Prefix": "att" });
    expect((await run(ws, "joined", ["--test"])).code).toBe(0);
    const joined = await ws.intake(["connector", "run", "joined", "--test", "--json"]);
    const [alert] = JSON.parse(joined.stdout.split("\n")[0]!) as { display_id: string; events: Record<string, unknown>[] }[];
    expect(alert!.display_id).toBe("two-mails-report@company.test");
    expect(alert!.events[0]).toMatchObject({ wrap_Subject: "FW: two phish", att_Subject: "Inner phish 1", att2_Subject: "Inner phish 2" });

    await connector(ws, "separate", { "Create a Separate Alert per Attached Mail File?": true });
    const separate = await run(ws, "separate");
    expect(separate.summary).toMatchObject({ fetched: 1, alerts: 2, ingested: 2 });
    const ids = (await exported(ws)).flatMap((c) =>
      c.alerts.map((a) => [a.display_id, a.events[0].attach_Subject, a.events[0].orig_Subject]),
    );
    expect(ids.sort()).toEqual([
      ["two-mails-report@company.test#1", "Inner phish 1", "FW: two phish"],
      ["two-mails-report@company.test#2", "Inner phish 2", "FW: two phish"],
    ]);
    expect(await countUnread(server)).toBe(0);
  });

  it("OAuth2: logs in with XOAUTH2 using client credentials, and fetches a new token after a refusal", async () => {
    await append([makeReport(1).raw, makeReport(5).raw]);
    const ws = workspace();
    const oauth = {
      Password: "",
      "OAuth2 Token URL": provider.tokenUrl,
      "OAuth2 Client ID": provider.clientId,
      "OAuth2 Client Secret": provider.clientSecret,
    };
    await connector(ws, "oauth", oauth);
    const before = provider.issued();
    const result = await run(ws, "oauth");
    expect(result.code, result.stderr).toBe(0);
    expect(result.summary).toMatchObject({ ingested: 2 });
    expect(provider.issued()).toBe(before + 1);

    // The provider revokes the next token before the server sees it: the login is refused, a new token is fetched.
    await append([makeReport(6).raw]);
    provider.revokeNextToken();
    const retried = await run(ws, "oauth");
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.summary).toMatchObject({ ingested: 1 });
    expect(provider.issued()).toBe(before + 3);
    expect(result.stdout + result.stderr).not.toContain(provider.clientSecret);

    await connector(ws, "badclient", { ...oauth, "OAuth2 Client Secret": "wrong-secret-xyz" });
    const refused = await ws.intake(["connector", "run", "badclient"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/OAUTH2_TOKEN: the token endpoint refused client intake-test-app \(HTTP 401/);
    expect(refused.stderr).not.toContain("wrong-secret-xyz");

    await connector(ws, "refresh", {
      Password: "",
      "OAuth2 Token URL": provider.tokenUrl,
      "OAuth2 Client ID": provider.clientId,
      "OAuth2 Refresh Token": provider.refreshToken,
    });
    await append([makeReport(2).raw]);
    expect((await run(ws, "refresh")).summary).toMatchObject({ ingested: 1 });
  });
});

describe("what peers' bug trackers show goes wrong", () => {
  it("takes every message sharing one Date, and a message without Date", async () => {
    const same = makeReports(4).map((r) => r.raw.replace(/^Date: .*$/m, "Date: Mon, 2 Nov 2026 10:00:00 +0000"));
    const noDate = makeReport(9).raw.replace(/^Date: .*\r\n/m, "");
    await append([...same, noDate]);
    const ws = workspace();
    await connector(ws, "dates");
    expect((await run(ws, "dates")).summary).toMatchObject({ ingested: 5 });
  });

  it("a folder deleted and recreated (new UIDVALIDITY) is read again, and alert ids keep out duplicates", async () => {
    const reports = makeReports(3);
    await append(
      reports.map((r) => r.raw),
      "Reports",
    );
    const ws = workspace();
    await connector(ws, "recreated", { "Folder to check for emails": "Reports" });
    expect((await run(ws, "recreated")).summary).toMatchObject({ ingested: 3 });
    await withImap(server, (client) => client.mailboxDelete("Reports").then(() => undefined));
    await append([...reports.map((r) => r.raw), makeReport(7).raw], "Reports");
    const again = await run(ws, "recreated");
    expect(again.stderr).toMatch(/new UIDVALIDITY/);
    expect(again.summary).toMatchObject({ fetched: 4, ingested: 1, duplicates: 3 });
    expect(await countUnread(server, "Reports")).toBe(0);
  });
});
