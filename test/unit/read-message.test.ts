// Each fixture under test/fixtures/mail is one edge case; the .expected.json beside it is what the
// email connector must read from it.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMessage } from "../../integrations/email/lib/read-message.js";
import { buildAlert } from "../../integrations/email/lib/build-alert.js";

const DIR = path.join(import.meta.dirname, "..", "fixtures", "mail");
const fixtures = fs.readdirSync(DIR).filter((f) => f.endsWith(".eml")).sort();

interface Expected {
  messageId: string | null;
  subject?: string;
  from: string;
  to: string;
  date: string | null;
  urls: string[];
}

describe("reading real .eml fixtures", () => {
  it("has fixtures to read", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
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
      expect(event.found_url).toBe(expected.urls.join(","));
      expect(event.StartTime).toBe(expected.date ? Date.parse(expected.date) : internalDate.getTime());
      if (!expected.date) expect(alert.notes.join(" ")).toMatch(/Date header/);
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
