// A synthetic corpus of phishing reports with known URLs (the truth), written the way real mailers
// write them: multipart/alternative text+html, quoted-printable, base64 or 8bit, encoded-word headers,
// IDN hosts, some PDF attachments. Used to measure URL precision and recall end to end.

export interface CorpusMessage {
  raw: Buffer;
  messageId: string;
  urls: string[];
}

/** A small seeded generator (mulberry32): the same corpus for the same seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "account verify password invoice payment urgent security update login bank delivery package suspended confirm details " +
  "click below immediately team support review document shared access expire"
).split(" ");
const SUBJECTS = [
  "Your account will be suspended",
  "Invoice #{n} overdue",
  "Ünusual sign-in activity",
  "Shared document: Q{n} report",
  "Paket zustellung fehlgeschlagen",
  "パスワードの有効期限",
  "Action required: verify {n}",
];
const HOSTS = ["login-micros0ft.com", "secure-paypa1.net", "dhl-track.info", "docs.example.org", "xn--pple-43d.com"];
const NAMES = ["IT Support", "Müller, Jörg", "Billing"];

function encodedWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?utf-8?b?${Buffer.from(text).toString("base64")}?=`;
}

function quotedPrintable(text: string): string {
  const lines = text.split("\n").map((line) => {
    let out = "";
    let width = 0;
    for (const byte of Buffer.from(line, "utf8")) {
      const piece =
        byte === 0x3d || byte > 0x7e || (byte < 0x20 && byte !== 0x09)
          ? `=${byte.toString(16).toUpperCase().padStart(2, "0")}`
          : String.fromCharCode(byte);
      if (width + piece.length > 75) {
        out += "=\r\n";
        width = 0;
      }
      out += piece;
      width += piece.length;
    }
    return out;
  });
  return lines.join("\r\n");
}

function base64(data: Buffer | string): string {
  return Buffer.from(data).toString("base64").replace(/.{76}/g, "$&\r\n");
}

function encodeBody(text: string, encoding: string): string {
  if (encoding === "base64") return base64(text);
  if (encoding === "quoted-printable") return quotedPrintable(text);
  return text.replaceAll("\n", "\r\n");
}

export function makeCorpus(count: number, seed = 7): CorpusMessage[] {
  const next = random(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)]!;
  const start = Date.UTC(2026, 10, 1);
  const out: CorpusMessage[] = [];
  for (let i = 0; i < count; i++) {
    const host = pick(HOSTS);
    const urls = Array.from(
      { length: 1 + Math.floor(next() * 4) },
      () => `https://${host}/${pick(WORDS)}/${Math.floor(next() * 1e6)}?id=${i}&u=${pick(WORDS)}`,
    );
    const subject = pick(SUBJECTS).replace("{n}", String(Math.floor(next() * 1000)));
    const name = pick(NAMES);
    const messageId = `${seed}.${i}.${Math.floor(next() * 1e9)}@mail.example.test`;
    const body = Array.from({ length: 40 + Math.floor(next() * 360) }, () => pick(WORDS)).join(" ");
    const text = `${body}\n\n${urls.map((u) => `Click: ${u}`).join("\n")}\n\n-- \nSent from a phone\n`;
    const links = urls.map((u) => `<p><a href="${u.replaceAll("&", "&amp;")}">click here</a></p>`).join("");
    const html = `<html><body><p>${body}</p>${links}</body></html>`;
    const textEncoding = pick(["quoted-printable", "base64", "8bit"]);
    const htmlEncoding = pick(["quoted-printable", "base64"]);
    const alternative = `alt-${i}-${seed}`;
    const mixed = `mix-${i}-${seed}`;
    const withPdf = next() < 0.2;
    const alternativePart = [
      `Content-Type: multipart/alternative; boundary="${alternative}"`,
      "",
      `--${alternative}`,
      "Content-Type: text/plain; charset=utf-8",
      `Content-Transfer-Encoding: ${textEncoding}`,
      "",
      encodeBody(text, textEncoding),
      `--${alternative}`,
      "Content-Type: text/html; charset=utf-8",
      `Content-Transfer-Encoding: ${htmlEncoding}`,
      "",
      encodeBody(html, htmlEncoding),
      `--${alternative}--`,
      "",
    ];
    const bodyPart = withPdf
      ? [
          `Content-Type: multipart/mixed; boundary="${mixed}"`,
          "",
          `--${mixed}`,
          ...alternativePart,
          `--${mixed}`,
          `Content-Type: application/pdf; name="invoice${i}.pdf"`,
          `Content-Disposition: attachment; filename="invoice${i}.pdf"`,
          "Content-Transfer-Encoding: base64",
          "",
          base64(Buffer.from(Array.from({ length: 2000 + Math.floor(next() * 58000) }, () => Math.floor(next() * 256)))),
          `--${mixed}--`,
          "",
        ]
      : alternativePart;
    const quotedName = name.includes(",") ? `"${name}"` : name;
    const raw = [
      `Subject: ${encodedWord(subject)}`,
      `From: ${encodedWord(quotedName)} <user${Math.floor(next() * 500)}@${host}>`,
      "To: analyst@example.test",
      `Date: ${new Date(start + i * 1000).toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <${messageId}>`,
      "MIME-Version: 1.0",
      ...bodyPart,
    ].join("\r\n");
    out.push({ raw: Buffer.from(raw, "utf8"), messageId, urls });
  }
  return out;
}

/** URL precision and recall of found URLs against the truth, counted as score_urls.py counts them. */
export function scoreUrls(found: Map<string, string[]>, truth: CorpusMessage[]): { precision: number; recall: number; matched: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let matched = 0;
  for (const message of truth) {
    const urls = found.get(message.messageId);
    if (!urls) continue;
    matched++;
    const got = new Set(urls.filter(Boolean));
    const want = new Set(message.urls);
    for (const url of got) want.has(url) ? tp++ : fp++;
    for (const url of want) if (!got.has(url)) fn++;
  }
  return { precision: tp / Math.max(tp + fp, 1), recall: tp / Math.max(tp + fn, 1), matched };
}
