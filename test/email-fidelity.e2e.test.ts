// Email fidelity end to end: fixtures and a generated corpus through a real Dovecot, the built CLI,
// the connector and the store; the original message comes back byte for byte with `intake cases eml`.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverToMaildir, startDovecot, withImap, type Dovecot } from "./support/dovecot.js";
import type { Workspace } from "./support/cli.js";
import { createEmailConnector, emailWorkspace } from "./support/email-workspace.js";
import { makeCorpus, scoreUrls } from "./support/phish-corpus.js";

let server: Dovecot;

beforeAll(async () => {
  server = await startDovecot();
});
afterAll(async () => {
  await server?.stop();
});

async function emptyInbox(): Promise<void> {
  await withImap(server, async (client) => {
    await client.mailboxOpen("INBOX");
    await client.messageFlagsAdd("1:*", ["\\Deleted"]).catch(() => undefined);
    await client.messageDelete("1:*").catch(() => undefined);
  });
}

async function connector(): Promise<Workspace> {
  const ws = emailWorkspace(server);
  await createEmailConnector(ws, server);
  return ws;
}

const FIXTURES = path.join(import.meta.dirname, "fixtures", "mail");
const E2E_FIXTURES = [
  "forwarded-as-message-rfc822",
  "forwarded-as-eml-file",
  "forwarded-as-outlook-msg",
  "charset-iso-2022-jp",
  "latin1-8bit-body-no-charset",
  "html-visible-links-and-tracking-pixel",
  "received-ips-auth-and-addresses",
  "attachment-type-mismatch",
  "idn-and-homograph-domains",
  "defanged-urls",
];

function matches(entity: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => JSON.stringify(entity[key]) === JSON.stringify(value));
}

describe("email fidelity through Dovecot", () => {
  it("stores each fixture's expected fields and indicators, and gives its original back byte for byte", async () => {
    await emptyInbox();
    const messages = E2E_FIXTURES.map((name) => ({
      name,
      raw: fs.readFileSync(path.join(FIXTURES, `${name}.eml`)),
      expected: JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.expected.json`), "utf8")) as {
        messageId: string;
        urls: string[];
        event?: Record<string, unknown>;
        entities?: Record<string, unknown>[];
      },
    }));
    deliverToMaildir(
      server,
      messages.map((m) => m.raw),
    );
    const ws = await connector();
    const run = await ws.intake(["connector", "run", "mail", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(ws.lastJson(run)).toMatchObject({ ingested: messages.length, failed: 0 });

    const exported = await ws.intake(["cases", "export", "--jsonl"]);
    const cases = exported.stdout
      .split("\n")
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            id: number;
            alerts: { display_id: string; events: Record<string, unknown>[]; entities: Record<string, unknown>[] }[];
          },
      );
    for (const message of messages) {
      // Reports of one mail share a campaign case: look the alert up in whichever case holds it.
      const found = cases.find((c) => c.alerts.some((a) => a.display_id === message.expected.messageId));
      expect(found, message.name).toBeDefined();
      const alert = found!.alerts.find((a) => a.display_id === message.expected.messageId)!;
      const event = alert.events[0]!;
      expect(event.found_urls, message.name).toEqual((message.expected.event?.found_urls as string[] | undefined) ?? message.expected.urls);
      if (message.expected.event) expect(event, message.name).toMatchObject(message.expected.event);
      for (const wanted of message.expected.entities ?? [])
        expect(
          alert.entities.some((e) => matches(e, wanted)),
          `${message.name}: ${JSON.stringify(wanted)}`,
        ).toBe(true);

      const eml = await ws.intake(["cases", "eml", String(found!.id), "--alert", alert.display_id], {});
      expect(eml.code, eml.stderr).toBe(0);
      const file = path.join(ws.dir, `${message.name}.eml`);
      // Through a shell redirect, as an analyst does: the bytes must be exactly the message fetched.
      const { execFileSync } = await import("node:child_process");
      execFileSync(
        "sh",
        [
          "-c",
          `"${process.execPath}" "${path.join(import.meta.dirname, "..", "bin", "intake.js")}" ` +
            `cases eml ${found!.id} --alert '${alert.display_id}' > "${file}"`,
        ],
        { env: { ...process.env, ...ws.env } },
      );
      expect(fs.readFileSync(file).equals(message.raw), `${message.name} round trip`).toBe(true);
    }

    const missing = await ws.intake(["cases", "eml", "9999"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/CASE_NOT_FOUND: no case 9999/);
  });

  it("finds the URLs of 2,000 generated reports with precision and recall of at least 0.99", async () => {
    await emptyInbox();
    const corpus = makeCorpus(2000, 7);
    deliverToMaildir(
      server,
      corpus.map((m) => m.raw),
    );
    const ws = await connector();
    const run = await ws.intake(["connector", "run", "mail", "--test", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const pkg = JSON.parse(lines[0]!) as { display_id: string; events: { found_url: string }[] }[];
    const found = new Map(pkg.map((alert) => [alert.display_id, alert.events[0]!.found_url.split(",")]));
    const score = scoreUrls(found, corpus);
    console.log(
      `generated corpus: alerts=${pkg.length} matched=${score.matched}/${corpus.length} ` +
        `precision=${score.precision.toFixed(4)} recall=${score.recall.toFixed(4)}`,
    );
    expect(score.matched).toBe(corpus.length);
    expect(score.precision).toBeGreaterThanOrEqual(0.99);
    expect(score.recall).toBeGreaterThanOrEqual(0.99);
  });
});
