// Synthetic phishing reports with known Message-IDs and URLs, in the encodings real mailers use.
import crypto from "node:crypto";

export interface Report {
  raw: string;
  messageId: string;
  urls: string[];
  subject: string;
}

const ENCODINGS = ["7bit", "quoted-printable", "base64"] as const;

function encode(body: string, encoding: (typeof ENCODINGS)[number]): string {
  if (encoding === "base64") return Buffer.from(body).toString("base64").replace(/.{76}/g, "$&\r\n");
  if (encoding === "quoted-printable") {
    // Soft breaks every 60 characters and "=" as =3D: what breaks naive readers.
    const escaped = body.replace(/=/g, "=3D");
    return escaped
      .split("\r\n")
      .map((line) => line.replace(/(.{60})(?=.)/g, "$1=\r\n"))
      .join("\r\n");
  }
  return body;
}

export function makeReport(index: number, options: { run?: string; urls?: number; subject?: string } = {}): Report {
  const run = options.run ?? crypto.randomBytes(3).toString("hex");
  const messageId = `report-${index}.${run}@reports.test`;
  const urls = Array.from(
    { length: options.urls ?? 1 + (index % 3) },
    (_, k) => `https://phish-${index % 7}.test/login/${index}/${k}?id=${index}&k=${k}`,
  );
  const subject = options.subject ?? `Suspicious message ${index}`;
  const encoding = ENCODINGS[index % ENCODINGS.length]!;
  const text = `Hello,\r\nplease verify your account.\r\n${urls.map((u) => `Click: ${u}`).join("\r\n")}\r\n`;
  const links = urls.map((u) => `<a href="${u.replace(/&/g, "&amp;")}">here</a>`).join(" ");
  const html = `<html><body><p>Please verify</p>${links}</body></html>`;
  const boundary = `b-${index}-${run}`;
  const raw = [
    `From: IT Support <it-${index}@phish-${index % 7}.test>`,
    "To: analyst@example.test",
    `Subject: ${subject}`,
    `Date: ${new Date(Date.UTC(2026, 10, 1, 0, 0, index % 60)).toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${messageId}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Transfer-Encoding: ${encoding}`,
    "",
    encode(text, encoding),
    `--${boundary}`,
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    encode(html, "quoted-printable"),
    `--${boundary}--`,
    "",
  ].join("\r\n");
  return { raw, messageId, urls, subject };
}

export function makeReports(count: number, options: { run?: string } = {}): Report[] {
  const run = options.run ?? crypto.randomBytes(3).toString("hex");
  return Array.from({ length: count }, (_, i) => makeReport(i, { run }));
}
