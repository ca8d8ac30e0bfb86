// Roles and forward depths, never labels: the case queue's sender, each report's reporters and the
// overview's top senders and reporters, for the built-in email connector (through a real Dovecot) and
// for a connector in a user's own integration package that sets the same fields.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestAs, startApi, type ApiFixture } from "./support/api.js";
import { phish, reportAsAttachment, reportInline } from "./support/campaigns.js";
import type { Workspace } from "./support/cli.js";
import { createConnector, createEmailConnector, emailWorkspace } from "./support/email-workspace.js";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { writePackage } from "./support/packages.js";

let server: Dovecot;
let ws: Workspace;
let api: ApiFixture;

/** A chat-report connector: who wrote the message, who reported it, who got it; labels of its own. */
const CHAT_CONNECTOR =
  `import { AlertInfo, ConnectorExecution, Priority, type Entity } from "intake/sdk";

function report(id: string, entities: Entity[]): AlertInfo {
  const now = Date.now();
  return Object.assign(new AlertInfo(), {
    display_id: id, name: "Suspicious chat message " + id, rule_generator: "Chat", start_time: now, end_time: now, priority: Priority.HIGH,
    device_vendor: "Chat", device_product: "Chat", entities, ` +
  `events: [{ StartTime: now, EndTime: now, event_name: "reported message", device_product: "Chat" }],
  });
}

export default async function main(execution: ConnectorExecution): Promise<void> {
  await execution.returnPackage([
    report("chat-1", [
      { type: "EMAIL_ADDRESS", value: "dan@company.test", source: "reported by", role: "reporter" },
      { type: "EMAIL_ADDRESS", value: "relay@company.test", source: "shared by", role: "sender", depth: 1 },
      { type: "EMAIL_ADDRESS", value: "mallory@evil-chat.test", source: "chat author", role: "sender", depth: 2 },
      { type: "EMAIL_ADDRESS", value: "victim@company.test", source: "chat member", role: "recipient", depth: 2 },
    ]),
    report("chat-2", [
      { type: "EMAIL_ADDRESS", value: "dan@company.test", source: "reported by", role: "reporter" },
      { type: "EMAIL_ADDRESS", value: "trent@evil-chat.test", source: "chat author", role: "sender", depth: 1 },
    ]),
    // As a connector without types could send them.
    report("chat-bad-role", [JSON.parse('{ "type": "EMAIL_ADDRESS", "value": "x@company.test", "role": "author" }') as Entity]),
    report("chat-bad-depth", [{ type: "EMAIL_ADDRESS", value: "y@company.test", role: "sender", depth: -1 }]),
  ]);
}
`;

type CaseSummary = { id: number; title: string; sender: string };
type CaseDetail = {
  alerts: { display_id: string; reporters: string[]; entities: { value: string; role: string | null; depth: number }[] }[];
};

async function get<T>(url: string): Promise<T> {
  const response = await requestAs(api.app, api.analyst, "GET", url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as T;
}

async function caseTitled(title: string): Promise<CaseSummary & CaseDetail> {
  const summary = (await get<{ cases: CaseSummary[] }>("/api/cases?limit=200")).cases.find((c) => c.title === title);
  expect(summary, title).toBeDefined();
  return { ...summary!, ...(await get<CaseDetail>(`/api/cases/${summary!.id}`)) };
}

beforeAll(async () => {
  server = await startDovecot();
  ws = emailWorkspace(server);
  const attached = phish("Invoice overdue", "attached-phish.test");
  const inline = phish("Shared document", "inline-phish.test");
  const moved = phish("Password expires today", "moved-phish.test");
  deliverToMaildir(server, [
    reportAsAttachment(attached, "alice@company.test"),
    reportInline(inline, "carol@company.test", "FW:"),
    moved.raw("erin@company.test"),
  ]);
  await createEmailConnector(ws, server, "mail", {}, { grouping: "off" });
  const mailRun = await ws.intake(["connector", "run", "mail", "--json"]);
  expect(ws.lastJson(mailRun), mailRun.stderr).toMatchObject({ ingested: 3, failed: 0 });

  const dir = writePackage(path.join(ws.dir, "chat-package"), { name: "Chat Reports" }, { chat: { code: CHAT_CONNECTOR } });
  const imported = await ws.intake(["integration", "import", dir]);
  expect(imported.code, imported.stderr).toBe(0);
  await createConnector(ws, "chat", "Chat Reports", {}, { grouping: "off" });
  const chatRun = await ws.intake(["connector", "run", "chat", "--json"]);
  expect(ws.lastJson(chatRun), chatRun.stdout).toMatchObject({ ingested: 2, failed: 2 });
  api = await startApi("intake-roles-", { database: ws.db });
}, 240_000);

afterAll(async () => {
  await api?.close();
  await server?.stop();
});

describe("entity roles", () => {
  it("gives each email report's case the reported sender and each report its reporter", async () => {
    const attached = await caseTitled("Invoice overdue");
    expect(attached.sender).toBe("alert@attached-phish.test");
    expect(attached.alerts[0]!.reporters).toEqual(["alice@company.test"]);
    expect(attached.alerts[0]!.entities.filter((e) => e.role)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ value: "alice@company.test", role: "reporter", depth: 0 }),
        expect.objectContaining({ value: "phishing@company.test", role: "recipient", depth: 0 }),
        expect.objectContaining({ value: "alert@attached-phish.test", role: "sender", depth: 1 }),
        expect.objectContaining({ value: "alice@company.test", role: "recipient", depth: 1 }),
      ]),
    );
    const inline = await caseTitled("Shared document");
    expect(inline.sender).toBe("alert@x");
    expect(inline.alerts[0]!.reporters).toEqual(["carol@company.test"]);
    // The phish itself, moved to the mailbox: its sender is its own From, its reporter whom it reached.
    const moved = await caseTitled("Password expires today");
    expect(moved.sender).toBe("alert@moved-phish.test");
    expect(moved.alerts[0]!.reporters).toEqual(["erin@company.test"]);
  });

  it("gives a user connector's cases the same sender and reporters from the fields it sets", async () => {
    const first = await caseTitled("Suspicious chat message chat-1");
    expect(first.sender).toBe("mallory@evil-chat.test");
    expect(first.alerts[0]!.reporters).toEqual(["dan@company.test"]);
    expect((await caseTitled("Suspicious chat message chat-2")).sender).toBe("trent@evil-chat.test");
  });

  it("counts the top sender domains and reporters of both connectors in the overview", async () => {
    const overview = await get<{
      topSenderDomains: { domain: string; count: number }[];
      topReporters: { address: string; count: number }[];
    }>("/api/overview");
    expect(overview.topSenderDomains).toEqual([
      { domain: "evil-chat.test", count: 2 },
      { domain: "attached-phish.test", count: 1 },
      { domain: "moved-phish.test", count: 1 },
      { domain: "x", count: 1 },
    ]);
    expect(overview.topReporters).toEqual([
      { address: "dan@company.test", count: 2 },
      { address: "alice@company.test", count: 1 },
      { address: "carol@company.test", count: 1 },
      { address: "erin@company.test", count: 1 },
    ]);
  });

  it("refuses an entity whose role or depth is not one the SDK defines, naming the field", async () => {
    const run = await ws.intake(["connector", "run", "chat", "--test"]);
    const logged = run.stdout + run.stderr;
    expect(logged).toContain(
      'ALERT_INVALID: alert "chat-bad-role": entities.0.role: Invalid option: expected one of "sender"|"recipient"|"reporter"',
    );
    expect(logged).toContain('ALERT_INVALID: alert "chat-bad-depth": entities.0.depth: Too small: expected number to be >=0');
  });
});
