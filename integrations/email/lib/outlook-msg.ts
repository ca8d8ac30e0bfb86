// Outlook .msg attachments (staff forward a phish from Outlook as a .msg file): read with
// @kenjiuno/msgreader and rewritten as an RFC 822 message, so that one reader handles every message.
import { createRequire } from "node:module";
import { runBoundedScript } from "intake/sdk";

interface MsgFields {
  subject?: string;
  senderName?: string;
  senderEmail?: string;
  body?: string;
  bodyHtml?: string;
  html?: Uint8Array;
  headers?: string;
  messageDeliveryTime?: string;
  clientSubmitTime?: string;
  recipients?: { name?: string; email?: string; smtpAddress?: string; recipType?: string }[];
  attachments?: MsgFields[];
  fileName?: string;
  fileNameShort?: string;
  attachMimeTag?: string;
  innerMsgContent?: boolean;
}

interface MsgContent {
  fields: MsgFields;
  /** Each attachment's file (or why it was not read), in the order of `fields.attachments`. */
  files: ({ fileName: string; content: Uint8Array } | { skipped: string })[];
}

// msgreader walks the compound file's sector chains as they are written: a corrupt or hostile file
// made it allocate gigabytes in the fuzz test, and a worker thread's heap limit did not contain that
// (V8 aborted the whole process). So it runs in a process of its own (the SDK's bounded script) with a
// heap cap, a deadline and bounded output; a file that exceeds them is noted, never crashes the run.
// .msg reports are rare.
// Resolved on first use: a reader bundled where the package cannot be found still reads every other message.
let msgReaderPath: string | undefined;
function msgReader(): string {
  msgReaderPath ??= createRequire(import.meta.url).resolve("@kenjiuno/msgreader");
  return msgReaderPath;
}
/** Time, heap and output a .msg may take to read. */
export const MSG_READ_TIMEOUT_MS = 10_000;
/** Heap for reading a .msg: a base plus a few times its size (its attachments come back as base64 text). */
export function msgReadHeapMb(size: number): number {
  return Math.min(1024, Math.ceil(48 + (6 * size) / 1048576));
}
const MSG_READ_MAX_OUTPUT = 200 * 1024 * 1024;

const CHILD_SOURCE = `
const MsgReader = require(process.argv[1]).default;
const chunks = [];
process.stdin.on("data", (c) => chunks.push(c));
process.stdin.on("end", () => {
  const data = Buffer.concat(chunks);
  const reader = new MsgReader(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const f = reader.getFileData();
  const pick = (o, keys) => Object.fromEntries(keys.filter((k) => o && o[k] !== undefined).map((k) => [k, o[k]]));
  const fields = pick(f, [
    "subject", "senderName", "senderEmail", "body", "bodyHtml", "headers", "messageDeliveryTime", "clientSubmitTime",
  ]);
  if (f.html) fields.htmlText = Buffer.from(f.html).toString("utf8");
  fields.recipients = (f.recipients || []).slice(0, 500).map((r) => pick(r, ["name", "email", "smtpAddress", "recipType"]));
  fields.attachments = (f.attachments || []).map((a) => pick(a, ["fileName", "fileNameShort", "attachMimeTag", "innerMsgContent"]));
  const files = (f.attachments || []).slice(0, Number(process.argv[2])).map((a) => {
    if (a.innerMsgContent) return { skipped: "a message inside the .msg (an Outlook item attached to it) was not read" };
    try { const file = reader.getAttachment(a); return { fileName: file.fileName, content: Buffer.from(file.content).toString("base64") }; }
    catch (error) {
      return { skipped: "an attachment of the .msg could not be read (" + String(error && error.message).slice(0, 200) + ")" };
    }
  });
  process.stdout.write(JSON.stringify({ fields, files }));
});`;

/** Reads a .msg in a bounded child process. */
export function readMsgBounded(data: Uint8Array): Promise<MsgContent> {
  const heapMb = msgReadHeapMb(data.byteLength);
  let readerPath: string;
  try {
    readerPath = msgReader();
  } catch {
    return Promise.reject(new Error("the .msg reader (@kenjiuno/msgreader) is not installed"));
  }
  return runBoundedScript({
    source: CHILD_SOURCE,
    args: [readerPath, String(MAX_MSG_ATTACHMENTS)],
    input: data,
    memoryMb: heapMb,
    timeoutMs: MSG_READ_TIMEOUT_MS,
    maxOutputBytes: MSG_READ_MAX_OUTPUT,
  }).then(
    (stdout) => {
      let parsed: { fields: MsgFields & { htmlText?: string }; files: ({ fileName: string; content: string } | { skipped: string })[] };
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        throw new Error("the reader's output was not readable");
      }
      return {
        fields: { ...parsed.fields, ...(parsed.fields.htmlText && !parsed.fields.bodyHtml ? { bodyHtml: parsed.fields.htmlText } : {}) },
        files: parsed.files.map((file) =>
          "skipped" in file ? file : { fileName: file.fileName, content: Buffer.from(file.content, "base64") },
        ),
      };
    },
    (error: { code?: unknown }) => {
      const why =
        error.code === "SCRIPT_TIMEOUT"
          ? `reading took longer than ${MSG_READ_TIMEOUT_MS} ms`
          : error.code === "SCRIPT_OUT_OF_MEMORY"
            ? `reading needed more than ${heapMb} MB`
            : "the file is not a readable Outlook message";
      throw new Error(why);
    },
  );
}

/** At most this many attachments of a .msg are carried over. */
const MAX_MSG_ATTACHMENTS = 100;

/** True when the bytes are an OLE compound file (the container of .msg). */
export function isOleFile(data: Uint8Array): boolean {
  const magic = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return data.length > 512 && magic.every((byte, i) => data[i] === byte);
}

// Headers that describe the original MIME structure: replaced by the structure built here.
const STRUCTURAL = new Set(["content-type", "content-transfer-encoding", "mime-version", "content-disposition"]);

function keptTransportHeaders(headers: string): string[] {
  const out: string[] = [];
  let dropping = false;
  for (const line of headers.replaceAll("\r\n", "\n").split("\n")) {
    if (line === "") continue;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (!dropping && out.length) out.push(line);
      continue;
    }
    const colon = line.indexOf(":");
    dropping = colon <= 0 || STRUCTURAL.has(line.slice(0, colon).trim().toLowerCase());
    if (!dropping) out.push(line);
  }
  return out;
}

function encodedWord(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return `=?utf-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
  }
  return text;
}

function mailbox(name: string | undefined, address: string | undefined): string {
  if (!address) return encodedWord(name ?? "");
  return name ? `${encodedWord(name)} <${address}>` : address;
}

function base64Lines(data: Uint8Array): string {
  const text = Buffer.from(data).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join("\r\n");
}

/** The .msg as an RFC 822 message: its transport headers (or headers made from its properties), bodies and attachments. */
export async function msgToMime(data: Uint8Array): Promise<{ raw: Buffer; notes: string[] }> {
  const notes: string[] = [];
  const { fields, files } = await readMsgBounded(data);
  const headers: string[] = [];
  if (fields.headers?.includes(":")) {
    headers.push(...keptTransportHeaders(fields.headers));
  } else {
    // A message saved before sending, or stripped of its headers: what its properties say.
    headers.push(`From: ${mailbox(fields.senderName, fields.senderEmail)}`);
    const to = (fields.recipients ?? [])
      .filter((r) => r.recipType !== "cc" && r.recipType !== "bcc")
      .map((r) => mailbox(r.name, r.smtpAddress || r.email));
    const cc = (fields.recipients ?? []).filter((r) => r.recipType === "cc").map((r) => mailbox(r.name, r.smtpAddress || r.email));
    if (to.length) headers.push(`To: ${to.join(", ")}`);
    if (cc.length) headers.push(`Cc: ${cc.join(", ")}`);
    if (fields.subject) headers.push(`Subject: ${encodedWord(fields.subject)}`);
    const date = fields.messageDeliveryTime ?? fields.clientSubmitTime;
    if (date && !Number.isNaN(Date.parse(date))) headers.push(`Date: ${new Date(date).toUTCString()}`);
  }
  const boundary = `intake-msg-${Date.now().toString(36)}`;
  const parts: string[] = [];
  const html = fields.bodyHtml ?? (fields.html ? Buffer.from(fields.html).toString("utf8") : undefined);
  // The two bodies are alternatives of one text, as in the original message.
  const bodies: string[] = [];
  if (fields.body)
    bodies.push(
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
        `${base64Lines(Buffer.from(fields.body, "utf8"))}`,
    );
  if (html)
    bodies.push(
      `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(Buffer.from(html, "utf8"))}`,
    );
  if (bodies.length) {
    const alternative = `${boundary}-alt`;
    parts.push(
      `Content-Type: multipart/alternative; boundary="${alternative}"\r\n\r\n` +
        `${bodies.map((b) => `--${alternative}\r\n${b}\r\n`).join("")}--${alternative}--`,
    );
  }
  const attachments = fields.attachments ?? [];
  if (attachments.length > MAX_MSG_ATTACHMENTS)
    notes.push(`the .msg has ${attachments.length} attachments: only the first ${MAX_MSG_ATTACHMENTS} were read`);
  files.forEach((file, index) => {
    if ("skipped" in file) {
      notes.push(file.skipped);
      return;
    }
    const attachment = attachments[index] ?? {};
    const name = (file.fileName || attachment.fileName || attachment.fileNameShort || "attachment").replaceAll('"', "'");
    const type = (attachment.attachMimeTag || "application/octet-stream").replaceAll("\r", "").replaceAll("\n", "");
    parts.push(
      `Content-Type: ${type}; name="${encodedWord(name)}"\r\n` +
        `Content-Disposition: attachment; filename="${encodedWord(name)}"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64Lines(file.content)}`,
    );
  });
  headers.push("MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="${boundary}"`);
  const body = `${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join("")}--${boundary}--\r\n`;
  return { raw: Buffer.from(`${headers.join("\r\n")}\r\n\r\n${body}`, "utf8"), notes };
}
