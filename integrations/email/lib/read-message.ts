// Reads one raw message into what an alert needs: decoded headers, bodies, its own URLs, notes.
import crypto from "node:crypto";
import PostalMime, { type Address, type Email } from "postal-mime";
import { convertStringToDatetime, findLinksInHtml, findMessageUrls } from "intake/sdk";

export interface MessageReport {
  /** Message-ID without angle brackets, when the message has a usable one. */
  messageId?: string;
  /** SHA-256 of the raw bytes: the alert id of a message without Message-ID. */
  contentHash: string;
  subject: string;
  from: string;
  fromAddress: string;
  to: string;
  /** The Date header, when it parses. */
  date?: Date;
  urls: string[];
  notes: string[];
  size: number;
  /** The text of the bodies (plain, else the HTML's text), bounded: for the admin's exclusion patterns. */
  bodyText: string;
  /** Every header, decoded as the parser gives it (bounded): for "Additional headers to extract". */
  headers: { key: string; value: string }[];
}

export interface ReadOptions {
  /** How a Date header without a zone is read (the connector's Server Time Zone). */
  timeZone?: string;
}

/** Bounds of what a report keeps of the bodies and headers. */
export const MAX_BODY_TEXT = 1_000_000;
export const MAX_HEADERS = 500;

/** Display form of an address list: `Name <addr>, addr2`. */
export function formatAddresses(addresses: Address[] | Address | undefined): string {
  const list = addresses === undefined ? [] : Array.isArray(addresses) ? addresses : [addresses];
  return list
    .flatMap((address) => (address.group ? address.group : [address]))
    .map((mailbox) => (mailbox.name && mailbox.address ? `${mailbox.name} <${mailbox.address}>` : mailbox.address || mailbox.name))
    .filter(Boolean)
    .join(", ");
}

function firstAddress(address: Address | undefined): string {
  if (!address) return "";
  return (address.group ? address.group[0]?.address : address.address) ?? "";
}

/** Message-ID without brackets or spaces; undefined when the header is missing or holds nothing usable. */
export function normaliseMessageId(value: string | undefined): string | undefined {
  if (!value) return undefined;
  // Brackets are trimmed with index arithmetic: a regex like />+$/ is quadratic on a hostile header.
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === "<" || value[start] === " " || value[start] === "\t")) start++;
  while (end > start && (value[end - 1] === ">" || value[end - 1] === " " || value[end - 1] === "\t")) end--;
  const id = value.slice(start, end);
  if (!id || id.length > 900 || /[\s\u0000-\u001f]/.test(id)) return undefined;
  return id;
}

// windows-1252's printable characters at 0x80–0x9F. Node 20's TextDecoder decodes windows-1252 (and
// ISO-8859-1, which WHATWG maps to it) as Latin-1, leaving C1 control codes where "€", "’", "—" were.
const CP1252_C1 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/** Replaces C1 control codes (never meant in mail text) by the windows-1252 characters they stand for. */
export function repairC1(text: string): string {
  if (!/[\u0080-\u009f]/.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code >= 0x80 && code <= 0x9f ? CP1252_C1[code - 0x80] : ch;
  }
  return out;
}

function headerValue(email: Email, key: string): string | undefined {
  return email.headers.find((header) => header.key === key)?.value;
}

/** Headers of a message that the MIME parser refused: enough for an alert. */
function readHeadersLoosely(raw: Buffer): Map<string, string> {
  const text = raw.subarray(0, 256 * 1024).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const headers = new Map<string, string>();
  for (const line of (end >= 0 ? text.slice(0, end) : text).replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      const key = line.slice(0, colon).trim().toLowerCase();
      if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
    }
  }
  return headers;
}

function parseDate(value: string | undefined, timeZone?: string): Date | undefined {
  if (!value) return undefined;
  try {
    return convertStringToDatetime(value, timeZone);
  } catch {
    return undefined;
  }
}

export async function readMessage(raw: Buffer, options: ReadOptions = {}): Promise<MessageReport> {
  const contentHash = crypto.createHash("sha256").update(raw).digest("hex");
  const notes: string[] = [];
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer", maxNestingDepth: 64 });
  } catch (error) {
    // Malformed beyond the parser's tolerance: keep what the headers say, with a note.
    notes.push(`the message's MIME structure could not be parsed (${(error as Error).message}); only its headers were read`);
    const headers = readHeadersLoosely(raw);
    const messageId = normaliseMessageId(headers.get("message-id"));
    const date = parseDate(headers.get("date"), options.timeZone);
    return {
      ...(messageId ? { messageId } : {}),
      contentHash,
      subject: headers.get("subject") ?? "",
      from: headers.get("from") ?? "",
      fromAddress: "",
      to: headers.get("to") ?? "",
      ...(date ? { date } : {}),
      urls: [],
      notes,
      size: raw.byteLength,
      bodyText: "",
      headers: [...headers].slice(0, MAX_HEADERS).map(([key, value]) => ({ key, value })),
    };
  }
  const messageId = normaliseMessageId(email.messageId ?? headerValue(email, "message-id"));
  if (!messageId) notes.push("the message has no usable Message-ID: its alert id is the SHA-256 of its bytes");
  const date = parseDate(headerValue(email, "date"), options.timeZone);
  const found = findMessageUrls({ text: email.text && repairC1(email.text), html: email.html && repairC1(email.html) });
  if (found.dropped) notes.push(`${found.dropped} more URLs were found than the ${found.urls.length} kept`);
  return {
    ...(messageId ? { messageId } : {}),
    contentHash,
    subject: repairC1(email.subject ?? ""),
    from: repairC1(formatAddresses(email.from)),
    fromAddress: firstAddress(email.from),
    to: repairC1(formatAddresses(email.to)),
    ...(date ? { date } : {}),
    urls: found.urls,
    notes,
    size: raw.byteLength,
    bodyText: repairC1((email.text ?? (email.html ? findLinksInHtml(email.html).text : "")).slice(0, MAX_BODY_TEXT)),
    headers: email.headers.slice(0, MAX_HEADERS).map((header) => ({ key: header.key, value: repairC1(header.value.slice(0, 10_000)) })),
  };
}
