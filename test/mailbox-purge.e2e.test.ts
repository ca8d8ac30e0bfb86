// Cleaning mailboxes end to end: Postfix delivers a phishing campaign (one message with one Message-ID to
// ten people, one message each with its own id to ten more) and legitimate mail with the same subject into
// twenty Dovecot mailboxes; a colleague's report becomes a case; Search Mailboxes, Purge Email and Restore
// Email run through `intake action run` as the master user; the mailboxes are read over IMAP as their owners.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeWorkspace, type Workspace } from "./support/cli.js";
import { deliverToMaildir, MASTER_PASSWORD, startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import { startPostfix, type Postfix } from "./support/postfix.js";
import { attachedMessage } from "./support/triage.js";
import { configureEmail, createReportsConnector } from "./support/triage-workspace.js";
import { waitFor } from "./support/wait.js";

const STAFF = Array.from({ length: 20 }, (_, i) => `staff${String(i + 1).padStart(2, "0")}`);
const address = (person: string) => `${person}@example.test`;
const PHISHER = "it-desk@evil.test";
const SUBJECT = "Action required: your mailbox quota";
const tag = crypto.randomBytes(3).toString("hex");
const CAMPAIGN_ID = `<campaign-${tag}@evil.test>`;
// SPECIAL-USE flags for Trash and Junk, as a production Dovecot declares them.
const NAMESPACE = `namespace inbox {
  inbox = yes
  mailbox Trash {
    special_use = \\Trash
    auto = create
  }
  mailbox Junk {
    special_use = \\Junk
    auto = create
  }
}
`;

let dovecot: Dovecot;
let postfix: Postfix;
let ws: Workspace;
let caseId: number;
let settings: Record<string, unknown>;
/** Where each copy of the phish should be, per mailbox, before the purge: folder names. */
const expected = new Map<string, string[]>();

function phish(to: string, messageId: string): string {
  return [
    `From: IT Desk <${PHISHER}>`,
    `To: ${to}`,
    `Subject: ${SUBJECT}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Your mailbox is full. Verify now: https://quota.evil.test/login",
    "",
  ].join("\r\n");
}

function legitimate(to: string): string {
  return [
    "From: Helpdesk <helpdesk@example.test>",
    `To: ${to}`,
    `Subject: ${SUBJECT}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <legit-${crypto.randomUUID()}@example.test>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Our own notice: mailboxes over quota are archived on Friday.",
    "",
  ].join("\r\n");
}

/** staff01's report: the phish forwarded as an attachment to the reports mailbox. */
function report(reporter = "staff01"): string {
  return [
    `From: Reporter <${reporter}@example.test>`,
    "To: analyst@example.test",
    `Subject: Fwd: ${SUBJECT}`,
    `Message-ID: <report-${tag}-${reporter}@example.test>`,
    `Date: ${new Date().toUTCString()}`,
    ...attachedMessage("Is this phishing?", phish(address(reporter), CAMPAIGN_ID)),
  ].join("\r\n");
}

async function send(raw: string, from: string, to: string[]): Promise<void> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: postfix.port,
    secure: false,
    tls: { ca: [fs.readFileSync(dovecot.caFile)], servername: "localhost" },
  });
  try {
    await transport.sendMail({ envelope: { from, to }, raw });
  } finally {
    transport.close();
  }
}

const asOwner = <T>(person: string, work: (client: ImapFlow) => Promise<T>) => withImap(dovecot, work, address(person));

/** Every copy of the phish in a mailbox: folder of each (sorted), read as its owner. */
async function phishFolders(person: string): Promise<string[]> {
  return asOwner(person, async (client) => {
    const folders: string[] = [];
    for (const folder of await client.list()) {
      if (folder.flags.has("\\Noselect")) continue;
      const opened = await client.mailboxOpen(folder.path, { readOnly: true });
      if (!opened.exists) continue;
      for await (const message of client.fetch("1:*", { envelope: true })) {
        if (message.envelope?.from?.[0]?.address === PHISHER && message.envelope.subject === SUBJECT) folders.push(folder.path);
      }
    }
    return folders.sort();
  });
}

/** Messages from the legitimate sender in the INBOX. */
async function legitimateInInbox(person: string): Promise<number> {
  return asOwner(person, async (client) => {
    await client.mailboxOpen("INBOX", { readOnly: true });
    return ((await client.search({ from: "helpdesk@example.test" }, { uid: true })) || []).length;
  });
}

async function action(name: string): Promise<{ status: string; resultValue: unknown; message: string; json: Record<string, unknown> }> {
  const result = await ws.intake(["action", "run", "email", name, "--case", String(caseId), "--json"]);
  return ws.lastJson(result) as { status: string; resultValue: unknown; message: string; json: Record<string, unknown> };
}

function moves(): {
  mailbox: string;
  folder: string;
  uid: number;
  status: string;
  message_id: string;
  quarantine_uid: number | null;
  action_run_id: number | null;
}[] {
  const db = new Database(ws.db, { readonly: true });
  try {
    return db.prepare("select * from mailbox_moves where case_id = ? order by id").all(caseId) as ReturnType<typeof moves>;
  } finally {
    db.close();
  }
}

const quarantinedEverywhere = () =>
  new Map(
    [...expected].map(([person, folders]) => [
      person,
      folders
        .filter((f) => f !== "Trash")
        .map(() => "Quarantine")
        .concat(folders.filter((f) => f === "Trash"))
        .sort(),
    ]),
  );

async function allFolders(): Promise<Map<string, string[]>> {
  return new Map(await Promise.all(STAFF.map(async (person) => [person, await phishFolders(person)] as const)));
}

beforeAll(async () => {
  dovecot = await startDovecot({ users: STAFF, lmtp: true, masterUser: "intake-admin", extraConfig: NAMESPACE });
  postfix = await startPostfix(dovecot);
  // The campaign: one message to staff01–10 (one Message-ID), one per recipient to staff11–20 (ids of their own).
  await send(phish("undisclosed-recipients:;", CAMPAIGN_ID), PHISHER, STAFF.slice(0, 10).map(address));
  for (const person of STAFF.slice(10))
    await send(phish(address(person), `<campaign-${tag}-${person}@evil.test>`), PHISHER, [address(person)]);
  // Our own helpdesk's mail with the same subject, and the phisher's mail with another subject: neither is the phish.
  await send(legitimate("staff@example.test"), "helpdesk@example.test", STAFF.slice(0, 6).map(address));
  await send(phish(address("staff07"), `<other-${tag}@evil.test>`).replace(`Subject: ${SUBJECT}`, "Subject: Lunch on Friday?"), PHISHER, [
    address("staff07"),
  ]);
  await waitFor(
    async () => (await Promise.all(STAFF.map(async (person) => (await phishFolders(person)).length))).every((n) => n === 1),
    60_000,
    250,
  );
  await waitFor(async () => (await legitimateInInbox("staff06")) === 1, 30_000, 250);
  // Where people filed it: staff03 in Junk, staff04 in a folder of their own, staff05 deleted it (Trash: not searched); staff06 read it.
  const file = async (person: string, folder: string) =>
    asOwner(person, async (client) => {
      if (!(await client.list()).some((known) => known.path === folder)) await client.mailboxCreate(folder);
      await client.mailboxOpen("INBOX");
      await client.messageMove({ from: PHISHER }, folder);
    });
  await file("staff03", "Junk");
  await file("staff04", "Projects");
  await file("staff05", "Trash");
  await asOwner("staff06", async (client) => {
    await client.mailboxOpen("INBOX");
    await client.messageFlagsAdd({ from: PHISHER }, ["\\Seen"]);
  });
  for (const person of STAFF) expected.set(person, await phishFolders(person));
  expect(expected.get("staff03")).toEqual(["Junk"]);

  ws = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile });
  settings = {
    "Mailbox Server Address": "localhost",
    "Mailbox Server Port": dovecot.port,
    "Mailbox Security": "tls",
    "Mailbox Admin Username": "intake-admin",
    "Mailbox Admin Password": MASTER_PASSWORD,
    // ghost has no mailbox: its login is refused, and reported.
    Mailboxes: [...STAFF, "ghost"].map(address).join(", "),
  };
  await configureEmail(ws, settings);
  await createReportsConnector(ws, dovecot.params());
  deliverToMaildir(dovecot, [report()]);
  const run = await ws.intake(["connector", "run", "reports", "--json"]);
  expect(ws.lastJson(run), run.stderr).toMatchObject({ ingested: 1 });
  caseId = (JSON.parse((await ws.intake(["cases", "export", "--jsonl"])).stdout.trim().split("\n")[0]!) as { id: number }).id;
}, 240_000);

afterAll(async () => {
  await postfix?.stop();
  await dovecot?.stop();
});

describe("Search Mailboxes, Purge Email, Restore Email", () => {
  it("finds every copy (the campaign's id and the per-recipient ids), in every folder but Trash, and reports the \
mailbox it cannot open", async () => {
    const search = await action("Search Mailboxes");
    expect(search.status, search.message).toBe("completed");
    const messages = search.json.messages as { mailbox: string; folder: string; messageId: string; seen: boolean; matchedBy: string }[];
    expect(search.json.found).toBe(19);
    expect(messages.map((m) => `${m.mailbox}:${m.folder}`).sort()).toEqual(
      STAFF.filter((person) => person !== "staff05")
        .map((person) => `${address(person)}:${expected.get(person)![0]}`)
        .sort(),
    );
    expect(messages.filter((m) => m.messageId === CAMPAIGN_ID)).toHaveLength(9);
    expect(messages.find((m) => m.mailbox === address("staff15"))).toMatchObject({
      messageId: `<campaign-${tag}-staff15@evil.test>`,
      matchedBy: "sender-subject",
    });
    expect(messages.find((m) => m.mailbox === address("staff06"))!.seen).toBe(true);
    expect(messages.find((m) => m.mailbox === address("staff07"))!.seen).toBe(false);
    expect(search.json.failures).toEqual([expect.objectContaining({ mailbox: "ghost@example.test", code: "IMAP_LOGIN" })]);
    // Searching moved nothing.
    expect(await allFolders()).toEqual(expected);
  });

  it("Purge quarantines exactly those copies, records each move, leaves the legitimate mail; a second Purge moves 0", async () => {
    const purge = await action("Purge Email");
    expect(purge.status, purge.message).toBe("completed");
    expect(purge.json.moved).toBe(19);
    expect(purge.json.failures).toEqual([expect.objectContaining({ mailbox: "ghost@example.test", code: "IMAP_LOGIN" })]);
    expect(await allFolders()).toEqual(quarantinedEverywhere());
    for (const person of STAFF.slice(0, 6)) expect(await legitimateInInbox(person)).toBe(1);
    // The phisher's other mail stays.
    expect(
      await asOwner("staff07", async (client) => {
        await client.mailboxOpen("INBOX", { readOnly: true });
        return ((await client.search({ subject: "Lunch" }, { uid: true })) || []).length;
      }),
    ).toBe(1);
    const recorded = moves();
    expect(recorded).toHaveLength(19);
    expect(recorded.every((move) => move.status === "quarantined" && move.quarantine_uid !== null && move.action_run_id !== null)).toBe(
      true,
    );
    expect(recorded.find((move) => move.mailbox === address("staff04"))).toMatchObject({ folder: "Projects" });

    const again = await action("Purge Email");
    expect(again.status, again.message).toBe("completed");
    expect(again.json.moved).toBe(0);
    expect(moves()).toHaveLength(19);
  });

  it("Restore returns each copy to the folder it came from", async () => {
    const restore = await action("Restore Email");
    expect(restore.status, restore.message).toBe("completed");
    expect(restore.json.restored).toBe(19);
    expect(await allFolders()).toEqual(expected);
    expect(moves().every((move) => move.status === "restored")).toBe(true);
    expect((await action("Restore Email")).json.restored).toBe(0);
  });

  it("a purge SIGKILLed at a random moment, then run again, neither doubles a move nor loses a message", async () => {
    const midway: number[] = [];
    for (let round = 0; round < 4; round++) {
      const before = moves().length;
      const child = ws.spawnIntake(["action", "run", "email", "Purge Email", "--case", String(caseId), "--json"]);
      // The moment: once this purge has recorded its first move (the process, its sandbox and the logins
      // take a while), then a random 0–400 ms more, while the mailboxes are being worked.
      await waitFor(() => moves().length > before || child.exitCode !== null, 120_000, 10);
      const delay = Math.floor(Math.random() * 400);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      const atKill = moves().slice(before);
      const moving = atKill.filter((move) => move.status === "moving").length;
      const quarantined = atKill.filter((move) => move.status === "quarantined").length;
      if (moving > 0 || quarantined < 19) midway.push(round);
      const rerun = await action("Purge Email");
      expect(rerun.status, rerun.message).toBe("completed");
      // Every copy exactly once, all in the quarantine (none doubled, none lost).
      expect(await allFolders()).toEqual(quarantinedEverywhere());
      const live = moves().filter((move) => move.status === "quarantined");
      expect(live).toHaveLength(19);
      expect(new Set(live.map((move) => `${move.mailbox}:${move.quarantine_uid}`)).size).toBe(19);
      expect(moves().filter((move) => move.status === "moving")).toHaveLength(0);
      expect(Number(rerun.json.moved) + quarantined + Number(rerun.json.reconciled ?? 0) >= 19).toBe(true);
      console.log(
        `round ${round}: killed ${delay} ms after the first move: ${quarantined} quarantined and ${moving} intent(s) moving at the kill; ` +
          `the rerun moved ${String(rerun.json.moved)} and settled ${String(rerun.json.reconciled)}`,
      );
      const restore = await action("Restore Email");
      expect(restore.json.restored).toBe(19);
      expect(await allFolders()).toEqual(expected);
    }
    // At least one kill fell in the middle of the purge (not after its end).
    expect(midway.length).toBeGreaterThan(0);
  }, 600_000);

  it("a wrong admin password is reported for every mailbox, and the purge fails without moving anything", async () => {
    const wrong = await ws.intake([
      "integration",
      "configure",
      "email",
      "--params",
      ws.writeJson("wrong.json", { ...settings, "Mailbox Admin Password": "not-the-password" }),
    ]);
    expect(wrong.code, wrong.stderr).toBe(0);
    const purge = await ws.intake(["action", "run", "email", "Purge Email", "--case", String(caseId), "--json"]);
    expect(purge.code).toBe(1);
    expect(purge.stderr).toMatch(/^ACTION_FAILED: .*21 mailbox\(es\) not cleaned/m);
    expect(purge.stderr + purge.stdout).not.toContain("not-the-password");
    const failures = ws.lastJson(purge).json as { failures: { mailbox: string; code: string }[] };
    expect(
      failures.failures
        .filter((failure) => failure.code === "IMAP_AUTH")
        .map((failure) => failure.mailbox)
        .sort(),
    ).toEqual([...STAFF, "ghost"].map(address).sort());
    expect(await allFolders()).toEqual(expected);
  });
});

interface StepView {
  id: string;
  status: string;
  message: string | null;
  json: Record<string, unknown> | null;
  approval: { prompt: string | null } | null;
}
interface RunView {
  id: number;
  status: string;
  steps: StepView[];
}

describe("the phishing-triage playbook", () => {
  /** A workspace whose triage finds the phish malicious: URLhaus (grade C) lists its link. */
  async function triageWorkspace(mailboxSettings: Record<string, unknown> | null): Promise<Workspace> {
    const triage = makeWorkspace({ NODE_EXTRA_CA_CERTS: dovecot.caFile });
    const feed = path.join(triage.dir, "urlhaus.csv");
    fs.writeFileSync(
      feed,
      [
        "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter",
        '"31001","2026-12-07 08:00:00","https://quota.evil.test/login","online","2026-12-07 08:00:00",' +
          '"phishing","","https://urlhaus.abuse.ch/url/31001/","tester"',
        "",
      ].join("\n"),
    );
    expect((await triage.intake(["feeds", "add", "urlhaus", "--format", "urlhaus", "--source", feed])).code).toBe(0);
    expect((await triage.intake(["feeds", "refresh"])).code).toBe(0);
    if (mailboxSettings) await configureEmail(triage, mailboxSettings);
    await createReportsConnector(triage, dovecot.params(), ["--grouping", "off"], "reports-pb");
    return triage;
  }

  async function ingestAndDrain(triage: Workspace, reporter: string): Promise<{ caseId: number; run: RunView }> {
    deliverToMaildir(dovecot, [report(reporter)]);
    const run = await triage.intake(["connector", "run", "reports-pb", "--json"]);
    expect(triage.lastJson(run), run.stderr).toMatchObject({ ingested: 1 });
    const drained = await triage.intake(["playbooks", "drain", "--json"]);
    expect(drained.code, drained.stderr).toBe(0);
    const cases = (await triage.intake(["cases", "export", "--jsonl"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number });
    const id = Math.max(...cases.map((c) => c.id));
    return { caseId: id, run: await runOf(triage, id) };
  }

  async function runOf(triage: Workspace, id: number): Promise<RunView> {
    const runs = JSON.parse((await triage.intake(["playbook", "runs", "--case", String(id), "--json"])).stdout) as RunView[];
    return runs.find((candidate) => candidate.steps.some((step) => step.id === "assess"))!;
  }

  const step = (run: RunView, id: string) => run.steps.find((candidate) => candidate.id === id);

  it("a malicious verdict proposes the purge, waiting for approval with the count found; approved, it quarantines every copy", async () => {
    const triage = await triageWorkspace(settings);
    const { caseId: id, run } = await ingestAndDrain(triage, "staff08");
    expect(step(run, "assess")!.json).toMatchObject({ verdict: "malicious", purge: "approval" });
    expect(step(run, "search")!.json).toMatchObject({ found: 19, proposal: "approval" });
    expect(step(run, "purge")).toMatchObject({
      status: "waiting_approval",
      approval: { prompt: "Move the 19 copies of this phish found in staff mailboxes to their Quarantine folder?" },
    });
    // Steps run in order: the one after the approval is not reached yet.
    expect(step(run, "purge-feed-match")).toBeUndefined();
    expect(await allFolders()).toEqual(expected);

    const approved = await triage.intake(["playbook", "approve", String(run.id), "purge", "--comment", "confirmed phish"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect((await triage.intake(["playbooks", "drain", "--json"])).code).toBe(0);
    const done = await runOf(triage, id);
    expect(step(done, "purge")).toMatchObject({ status: "completed", json: expect.objectContaining({ moved: 19 }) });
    expect(step(done, "purge-feed-match")!.status).toBe("skipped");
    expect(await allFolders()).toEqual(quarantinedEverywhere());
    const restored = triage.lastJson(await triage.intake(["action", "run", "email", "Restore Email", "--case", String(id), "--json"]));
    expect(restored).toMatchObject({ status: "completed", resultValue: 19 });
    expect(await allFolders()).toEqual(expected);

    // With "Purge Without Approval For Feed Matches", a verdict resting on the feed-listed link purges at once.
    expect(
      (
        await triage.intake([
          "playbook",
          "configure",
          "phishing-triage",
          "--params",
          triage.writeJson("auto.json", { "Purge Without Approval For Feed Matches": "true", "Reply To Reporter": "false" }),
        ])
      ).code,
    ).toBe(0);
    const auto = await ingestAndDrain(triage, "staff09");
    expect(step(auto.run, "assess")!.json).toMatchObject({ purge: "auto" });
    expect(step(auto.run, "purge")!.status).toBe("skipped");
    expect(step(auto.run, "purge-feed-match")).toMatchObject({ status: "completed", json: expect.objectContaining({ moved: 19 }) });
    expect(await allFolders()).toEqual(quarantinedEverywhere());
    expect(
      triage.lastJson(await triage.intake(["action", "run", "email", "Restore Email", "--case", String(auto.caseId), "--json"])),
    ).toMatchObject({ resultValue: 19 });
    expect(await allFolders()).toEqual(expected);
  }, 240_000);

  it("without the mailbox parameters the purge steps are skipped with the reason, not failed", async () => {
    const triage = await triageWorkspace(null);
    const { run } = await ingestAndDrain(triage, "staff10");
    expect(run.status).toBe("completed");
    expect(step(run, "search")).toMatchObject({
      status: "completed",
      json: expect.objectContaining({ configured: false, proposal: "not configured" }),
    });
    expect(step(run, "search")!.message).toMatch(/mailbox cleaning is not configured: set "Mailbox Server Address"/);
    expect(step(run, "purge")).toMatchObject({
      status: "skipped",
      message: 'condition on step "search" not met (proposal is "not configured")',
    });
    expect(step(run, "purge-feed-match")!.status).toBe("skipped");
  }, 120_000);
});
