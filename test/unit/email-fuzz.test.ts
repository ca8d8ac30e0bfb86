// Random and mutated messages never crash the reader, and what one message yields stays bounded:
// every alert passes the platform's own validation, whatever the bytes.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMessage } from "../../integrations/email/lib/read-message.js";
import { buildAlert, MAX_ENTITIES, MAX_NOTES } from "../../integrations/email/lib/build-alert.js";
import { checkAlert } from "../../src/platform/ingest/validate.js";
import { random } from "../support/phish-corpus.js";
import { decodeHeaderText } from "../../integrations/email/lib/decode.js";
import { findIpsInText, findMessageUrls, parseAuthenticationResults, refang, trimUrl } from "../../src/indicators/index.js";

const DIR = path.join(import.meta.dirname, "..", "fixtures", "mail");
const names = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".eml"))
  .sort();
// Outlook .msg reports are read in a child process each (see outlook-msg.ts): fuzzed apart, fewer times.
const fixtures = names.filter((f) => !f.includes("outlook-msg")).map((f) => fs.readFileSync(path.join(DIR, f)));
const outlookFixtures = names.filter((f) => f.includes("outlook-msg")).map((f) => fs.readFileSync(path.join(DIR, f)));

// A seeded generator: a failure is reproduced by its seed.

const TOKENS = [
  "=?utf-8?B?",
  "=?x?q?=C3",
  "?=",
  "\r\n",
  "\n\n",
  "--",
  "--B--",
  "boundary=",
  "Content-Type: multipart/mixed; boundary=B\r\n",
  "Content-Type: message/rfc822\r\n\r\n",
  "Content-Transfer-Encoding: base64\r\n",
  "Content-Transfer-Encoding: quoted-printable\r\n",
  "=\r\n",
  "=3D",
  "\u0000",
  "\xff\xfe",
  "hxxps://a[.]b",
  "https://x.test/(",
  '<a href="',
  "&amp;",
  "<img src=x width=1 height=1>",
  "charset=iso-2022-jp",
  'charset="no-such"',
  "filename*0*=utf-8''%E2%82",
  "Received: from [1.2.3.4]\r\n",
  "Authentication-Results: x; spf=",
  "\x1b$B",
  "((((((((",
  "[[[[[[[[",
  "=?=?=?=?",
];

function mutate(source: Buffer, next: () => number): Buffer {
  let bytes = Buffer.from(source);
  const steps = 1 + Math.floor(next() * 6);
  for (let s = 0; s < steps; s++) {
    const at = Math.floor(next() * (bytes.length + 1));
    const kind = Math.floor(next() * 6);
    if (kind === 0 && bytes.length) bytes[Math.min(at, bytes.length - 1)] = Math.floor(next() * 256);
    else if (kind === 1)
      bytes = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(TOKENS[Math.floor(next() * TOKENS.length)]!, "latin1"),
        bytes.subarray(at),
      ]);
    else if (kind === 2) bytes = bytes.subarray(0, at);
    else if (kind === 3) bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.floor(next() * bytes.length))]);
    else if (kind === 4)
      bytes = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(TOKENS[Math.floor(next() * TOKENS.length)]!.repeat(1 + Math.floor(next() * 2000)), "latin1"),
        bytes.subarray(at),
      ]);
    else
      bytes = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256))),
        bytes.subarray(at),
      ]);
  }
  return bytes;
}

async function checkOne(raw: Buffer, label: string): Promise<void> {
  const report = await readMessage(raw);
  const alert = buildAlert(report, { uid: 1, folder: "INBOX", internalDate: new Date(0) });
  const check = checkAlert(JSON.parse(JSON.stringify({ ...alert, attachments: [] })), 0);
  expect(check.ok, `${label}: ${check.ok ? "" : check.error}`).toBe(true);
  expect(alert.entities.length).toBeLessThanOrEqual(MAX_ENTITIES);
  expect(alert.notes.length).toBeLessThanOrEqual(MAX_NOTES + 1);
  expect((alert.events[0]!.found_urls as string[]).length).toBeLessThanOrEqual(1000);
  // The alert (without the original kept beside it) is never much larger than the message.
  const size = JSON.stringify({ ...alert, attachments: [] }).length;
  expect(size, label).toBeLessThanOrEqual(raw.length * 4 + 200_000);
}

describe("the message reader under random and mutated input", () => {
  it("reads 1,500 mutations of the fixtures without a crash and within bounds", async () => {
    const next = random(20261125);
    for (let i = 0; i < 1500; i++) {
      const source = fixtures[i % fixtures.length]!;
      await checkOne(mutate(source, next), `mutation ${i} of fixture ${i % fixtures.length}`);
    }
  });

  it("reads 12 mutations of the Outlook .msg reports without a crash (a corrupt .msg is noted)", async () => {
    expect(outlookFixtures.length).toBeGreaterThan(0);
    const next = random(31);
    for (let i = 0; i < 12; i++) await checkOne(mutate(outlookFixtures[i % outlookFixtures.length]!, next), `Outlook mutation ${i}`);
  });

  it("reads 200 messages of random bytes and random tokens without a crash", async () => {
    const next = random(7);
    for (let i = 0; i < 200; i++) {
      const parts: string[] = [];
      const count = Math.floor(next() * 60);
      for (let k = 0; k < count; k++)
        parts.push(
          next() < 0.5
            ? TOKENS[Math.floor(next() * TOKENS.length)]!
            : String.fromCharCode(...Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256))),
        );
      await checkOne(Buffer.from(parts.join(""), "latin1"), `random message ${i}`);
    }
  });

  it("gives an alert for empty, header-only and body-only messages", async () => {
    for (const raw of ["", "\r\n", "Subject: x", "no headers at all https://a.test/", "\r\n\r\n\r\n"])
      await checkOne(Buffer.from(raw), JSON.stringify(raw));
  });

  // Inputs built to make a backtracking pattern explode; each pass is linear, so these finish at once.
  // The bound is generous (seconds, for a 2-core machine under load): a quadratic pass would take minutes.
  it("has no pattern that backtracks on hostile text", () => {
    const started = Date.now();
    const n = 200_000;
    decodeHeaderText("=?".repeat(n));
    decodeHeaderText("=?utf-8?q?".repeat(n / 10));
    refang(`${"[.".repeat(n)}hxxp${"(".repeat(n)}`);
    trimUrl(`https://a.test/${")".repeat(4000)}`);
    findIpsInText("1.".repeat(n) + ":".repeat(n));
    parseAuthenticationResults("a;".repeat(n));
    findMessageUrls({
      text: `https://a.test/${"(".repeat(n)}`,
      html: "<a href=".repeat(n / 10) + "<div style='display:none'>".repeat(n / 10),
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
