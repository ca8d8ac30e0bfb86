// The reported message's own signals through a real Dovecot and the sandboxed connector process: a QR code in
// an inline image (jsQR, pngjs: declared by the email integration, readable in its sandbox), an inline Gmail
// forward's depths and marks, HTML attachments, and the Authentication-Results of a forwarded message.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Workspace } from "./support/cli.js";
import { createEmailConnector, emailWorkspace } from "./support/email-workspace.js";
import { deliverToMaildir, startDovecot, type Dovecot } from "./support/dovecot.js";
import { htmlWithImages, imagePart, qrPng } from "./support/email-images.js";

const FIXTURES = path.join(import.meta.dirname, "fixtures", "mail");
const QR_URL = "https://qr-phish.example/mfa?u=staff";

let server: Dovecot;
let ws: Workspace;
type Entity = Record<string, unknown> & { type: string; value: string; depth: number };
type Exported = { title: string; alerts: { entities: Entity[]; events: Record<string, unknown>[]; notes: string[] }[] };
let cases: Exported[] = [];

async function qrMessage(): Promise<Buffer> {
  return htmlWithImages(
    {
      from: "IT Service Desk <it@qr-phish.example>",
      to: "staff@example.test",
      subject: "Re-register your authenticator",
      messageId: "qr-e2e-1@qr-phish.example",
    },
    ['<p>Scan this code with your phone:</p><img src="cid:mfa@qr" width="240" height="240">'],
    [imagePart("mfa.png", "image/png", await qrPng(QR_URL), "mfa@qr")],
  );
}

function caseTitled(title: string): Exported["alerts"][number] {
  const found = cases.find((c) => c.title === title);
  expect(found, `case ${title} in ${cases.map((c) => c.title).join(", ")}`).toBeDefined();
  return found!.alerts[0]!;
}

beforeAll(async () => {
  server = await startDovecot();
  ws = emailWorkspace(server);
  deliverToMaildir(server, [
    await qrMessage(),
    fs.readFileSync(path.join(FIXTURES, "forwarded-inline-gmail-text-and-html.eml")),
    fs.readFileSync(path.join(FIXTURES, "html-attachments-password-form-and-smuggling.eml")),
    fs.readFileSync(path.join(FIXTURES, "forwarded-as-attachment-auth-results.eml")),
  ]);
  await createEmailConnector(ws, server, "mail", {}, { grouping: "off" });
  const run = await ws.intake(["connector", "run", "mail", "--json"]);
  expect(ws.lastJson(run), run.stdout + run.stderr).toMatchObject({ ingested: 4, failed: 0 });
  const exported = await ws.intake(["cases", "export", "--jsonl"]);
  expect(exported.code, exported.stderr).toBe(0);
  cases = exported.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Exported);
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe("the reported message's own signals, end to end", () => {
  it("reads a QR code in an inline image as a URL of the message, inside the connector's sandbox", () => {
    const alert = caseTitled("Re-register your authenticator");
    expect(alert.events[0]!.found_urls).toEqual([QR_URL]);
    expect(alert.entities).toContainEqual(
      expect.objectContaining({ type: "URL", value: QR_URL, source: "qr code in mfa.png", depth: 0, qr_code: true }),
    );
    expect(alert.notes.join("\n")).not.toMatch(/not read for a QR code/);
  });

  it("keeps an inline forward's URLs at depth 1 and the reporter's signature at depth 0, with their marks", () => {
    const alert = caseTitled("Your parcel is waiting");
    const url = (value: string) => alert.entities.find((entity) => entity.type === "URL" && entity.value === value);
    expect(url("https://www.example.test/it")).toMatchObject({ depth: 0 });
    expect(url("https://parcel-track.example/pay?id=77")).toMatchObject({ depth: 1 });
    expect(url("https://parcel-track.example/track")).toMatchObject({ depth: 1, link_text_domain: "dhl.com" });
    expect(url("https://parcel-track.example/o.gif")).toMatchObject({ depth: 1, clickable: false, resource: "tracking-pixel" });
    expect(alert.entities).toContainEqual(
      expect.objectContaining({ type: "EMAIL_ADDRESS", value: "notify@parcel-track.example", role: "sender", depth: 1 }),
    );
    expect(alert.events[0]!.ReporterUrls).toEqual(["https://www.example.test/it"]);
  });

  it("marks HTML attachments with a password form or smuggling", () => {
    const alert = caseTitled("Your payslip");
    expect(alert.entities).toContainEqual(
      expect.objectContaining({
        type: "FILE",
        value: "payslip.html",
        html_password_form: true,
        html_form_action: "collect.harvest-login.example",
      }),
    );
    expect(alert.entities).toContainEqual(expect.objectContaining({ type: "FILE", value: "Invoice.htm", html_smuggling: true }));
  });

  it("carries every Authentication-Results header of the reported message and of the report", () => {
    const event = caseTitled("Unusual sign-in").events[0]!;
    expect(event.ReceivedBy).toBe("mx.example.test");
    expect(event.AuthResults).toEqual([
      { authservId: "mx.example.test", spf: "fail", spfDomain: "lure.example", dkim: "none", dmarc: "fail", dmarcDomain: "bank.example" },
      {
        authservId: "",
        spf: "pass",
        spfDomain: "lure.example",
        dkim: "pass",
        dkimDomains: ["bank.example"],
        dmarc: "pass",
        dmarcDomain: "bank.example",
      },
    ]);
    expect(event.ReporterReceivedBy).toBe("submit.example.test");
    expect(event.ReporterAuthResults).toEqual([
      { authservId: "mx.example.test", auth: "pass", authUser: "hana@example.test", dkim: "pass", dkimDomains: ["example.test"] },
    ]);
  });
});
