// Reads one raw message into what an alert needs: decoded headers, bodies' URLs, addresses, Received
// IPs, authentication verdicts, attachments, and the messages forwarded inside it (bounded recursion).
import crypto from "node:crypto";
import PostalMime, { addressParser, type Address, type Attachment, type Email } from "postal-mime";
import {
  combineAuthenticationResults,
  convertStringToDatetime,
  describeFile,
  findIpsInText,
  findLinksInHtml,
  findMessageUrlDetails,
  findUrlsInText,
  analyseHtmlFile,
  htmlOffsetOfText,
  isHtmlFile,
  parseAuthenticationResultsList,
  typeMismatch,
  MAX_RECEIVED_HEADERS,
  MAX_SCANNED_CHARS,
  type AuthResult,
  type AuthVerdicts,
  type FoundIp,
  type FoundUrl,
  type HtmlFileFacts,
  type HtmlLinks,
} from "intake/sdk";
import { decodeHeaderText, preparePostalMime, repairC1, repairHeaderBytes } from "./decode.js";
import { isOleFile, msgToMime } from "./outlook-msg.js";
import { decodeQrImage, MAX_QR_IMAGES } from "./qr.js";

export { repairC1 } from "./decode.js";

/** Forwarded messages are read this many levels deep (a report of a report of the phish). */
export const MAX_FORWARD_DEPTH = 3;
/** Forwarded messages read per level. */
export const MAX_FORWARDED_PER_MESSAGE = 5;
/** Attachments described per message; the rest are counted. */
export const MAX_ATTACHMENTS = 100;
/** Addresses kept per message (From, Reply-To, To, Cc…). */
export const MAX_ADDRESSES = 200;
/** MIME nesting deeper than this is refused by the parser; the message is then read as raw text. */
export const MAX_NESTING_DEPTH = 64;
/** A message larger than this is not MIME-parsed: only its headers and the URLs of its first bytes are read. */
export const MAX_PARSED_BYTES = 64 * 1024 * 1024;

export type AddressRole = "from" | "sender" | "reply-to" | "return-path" | "to" | "cc" | "delivered-to";

export interface AddressEntry {
  role: AddressRole;
  address: string;
  name: string;
}

export interface AttachmentReport {
  fileName: string;
  declaredType: string;
  disposition: string;
  size: number;
  sha256: string;
  sniffedType?: string;
  /** The declared type contradicts the bytes (an "invoice.pdf" that is an executable). */
  typeMismatch: boolean;
  /** What an HTML attachment does when opened (a password form, HTML smuggling). */
  html?: HtmlFileFacts;
  /** Its Content-ID, without brackets: an HTML body shows it as cid:… */
  contentId?: string;
}

export interface ReceivedIp extends FoundIp {
  /** 0 for the topmost Received header (the last hop, added by the receiving server). */
  hop: number;
}

export interface MessageReport {
  /** Message-ID without angle brackets, when the message has a usable one. */
  messageId?: string;
  /** SHA-256 of the raw bytes of a message without Message-ID (its alert id); "" otherwise. */
  contentHash: string;
  subject: string;
  from: string;
  fromAddress: string;
  to: string;
  cc: string;
  replyTo: string;
  returnPath: string;
  /** The Date header, when it parses. */
  date?: Date;
  urls: string[];
  /** The same URLs, with where each was found. */
  urlDetails: FoundUrl[];
  addresses: AddressEntry[];
  receivedIps: ReceivedIp[];
  auth: AuthVerdicts;
  /** Each Authentication-Results header, topmost first (none for a message forwarded inline: it has no headers). */
  authResults: AuthResult[];
  /** The host after "by" in the topmost Received header ("" when none). */
  receivedBy: string;
  /** `data:` URIs among the HTML's links and resources (not URLs of any host: counted, not kept). */
  dataUriLinks: number;
  attachments: AttachmentReport[];
  /** Messages forwarded as attachments (message/rfc822, .eml, Outlook .msg), read the same way. */
  forwarded: MessageReport[];
  /** 0 for the message fetched, 1 for a message forwarded in it… */
  depth: number;
  /** Set on a message read from the quoted text of an inline forward (not from an attachment). */
  forwardedInline?: boolean;
  notes: string[];
  size: number;
  /** The bytes read (of the message fetched only: it is kept with the case). */
  raw?: Uint8Array;
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
    .map((mailbox) => {
      const name = mailbox.name ? decodeName(mailbox.name) : "";
      return name && mailbox.address ? `${name} <${mailbox.address}>` : mailbox.address || name;
    })
    .filter(Boolean)
    .join(", ");
}

function decodeName(name: string): string {
  return repairC1(name.includes("=?") ? decodeHeaderText(name) : name);
}

function mailboxes(addresses: Address[] | Address | undefined): { name: string; address: string }[] {
  const list = addresses === undefined ? [] : Array.isArray(addresses) ? addresses : [addresses];
  return list.flatMap((address) => (address.group ? address.group : [address])).filter((m) => m.address);
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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (!id || id.length > 900 || /[\s\u0000-\u001f]/.test(id)) return undefined;
  return id;
}

function headerValues(email: Email, key: string): string[] {
  return email.headers.filter((header) => header.key === key).map((header) => header.value);
}

function headerValue(email: Email, key: string): string | undefined {
  return email.headers.find((header) => header.key === key)?.value;
}

/** Headers of a message that the MIME parser refused: enough for an alert. */
function readHeadersLoosely(raw: Uint8Array): Map<string, string> {
  const text = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 256 * 1024)).toString("latin1");
  let end = text.indexOf("\r\n\r\n");
  const lf = text.indexOf("\n\n");
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  const headers = new Map<string, string>();
  const block = (end >= 0 ? text.slice(0, end) : text).replaceAll("\r\n", "\n");
  const lines: string[] = [];
  for (const line of block.split("\n")) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && lines.length) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  for (const line of lines) {
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

function isForwardedMessage(attachment: Attachment): boolean {
  const type = attachment.mimeType.toLowerCase();
  const name = (attachment.filename ?? "").toLowerCase();
  return type === "message/rfc822" || type === "message/global" || name.endsWith(".eml") || isOutlookMessage(attachment);
}

function isOutlookMessage(attachment: Attachment): boolean {
  return attachment.mimeType.toLowerCase() === "application/vnd.ms-outlook" || (attachment.filename ?? "").toLowerCase().endsWith(".msg");
}

function bytesOf(content: Attachment["content"]): Uint8Array {
  if (typeof content === "string") return Buffer.from(content, "utf8");
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function emptyReport(raw: Uint8Array, depth: number): MessageReport {
  return {
    contentHash: "",
    subject: "",
    from: "",
    fromAddress: "",
    to: "",
    cc: "",
    replyTo: "",
    returnPath: "",
    urls: [],
    urlDetails: [],
    addresses: [],
    receivedIps: [],
    auth: {},
    authResults: [],
    receivedBy: "",
    dataUriLinks: 0,
    attachments: [],
    forwarded: [],
    depth,
    notes: [],
    size: raw.byteLength,
    bodyText: "",
    headers: [],
  };
}

/** What can be read of a message the MIME parser refused or that is too large: headers, and URLs in its raw text. */
function readLoosely(raw: Uint8Array, depth: number, why: string, options: ReadOptions): MessageReport {
  const report = emptyReport(raw, depth);
  report.notes.push(why);
  const headers = readHeadersLoosely(raw);
  const messageId = normaliseMessageId(headers.get("message-id"));
  if (messageId) report.messageId = messageId;
  const date = parseDate(headers.get("date"), options.timeZone);
  if (date) report.date = date;
  report.headers = [...headers]
    .slice(0, MAX_HEADERS)
    .map(([key, value]) => ({ key, value: repairC1(decodeHeaderText(value.slice(0, 10_000))) }));
  report.subject = repairC1(decodeHeaderText(headers.get("subject") ?? ""));
  report.from = repairC1(decodeHeaderText(headers.get("from") ?? ""));
  report.to = repairC1(decodeHeaderText(headers.get("to") ?? ""));
  const text = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, MAX_SCANNED_CHARS)).toString("latin1");
  report.urlDetails = [...new Set(findUrlsInText(text))].slice(0, 1000).map((url) => ({ url, source: "text" as const }));
  report.urls = report.urlDetails.map((u) => u.url);
  return report;
}

// postal-mime copies a typed array into a fresh ArrayBuffer; a view over a whole buffer is handed over
// as that buffer (it is only read), which spares a copy of the message.
function wholeBuffer(bytes: Uint8Array): Uint8Array | ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes;
}

async function readAt(raw: Uint8Array, depth: number, budget: { forwarded: number }, options: ReadOptions): Promise<MessageReport> {
  await preparePostalMime();
  if (raw.byteLength > MAX_PARSED_BYTES) {
    return readLoosely(
      raw,
      depth,
      `the message is ${raw.byteLength} bytes, over the ${MAX_PARSED_BYTES} parsed: ` +
        `only its headers and the URLs in its raw text were read`,
      options,
    );
  }
  let email: Email;
  try {
    email = await PostalMime.parse(wholeBuffer(repairHeaderBytes(raw).raw), {
      attachmentEncoding: "arraybuffer",
      maxNestingDepth: MAX_NESTING_DEPTH,
      // Forwarded messages come back as attachments: they are read here, as messages of their own.
      forceRfc822Attachments: true,
    });
  } catch (error) {
    // Malformed beyond the parser's tolerance: keep what the headers and raw text say, with a note.
    return readLoosely(
      raw,
      depth,
      `the message's MIME structure could not be parsed (${String((error as Error).message).slice(0, 200)}); ` +
        `its headers and the URLs in its raw text were read`,
      options,
    );
  }
  const report = emptyReport(raw, depth);
  const notes = report.notes;
  const messageId = normaliseMessageId(email.messageId ?? headerValue(email, "message-id"));
  if (messageId) report.messageId = messageId;
  else if (depth === 0) notes.push("the message has no usable Message-ID: its alert id is the SHA-256 of its bytes");
  const date = parseDate(headerValue(email, "date"), options.timeZone);
  if (date) report.date = date;
  report.headers = email.headers
    .slice(0, MAX_HEADERS)
    .map((header) => ({ key: header.key, value: repairC1(decodeHeaderText(header.value.slice(0, 10_000))) }));

  report.subject = repairC1(decodeHeaderText(headerValue(email, "subject") ?? ""));
  report.from = formatAddresses(email.from);
  report.fromAddress = firstAddress(email.from);
  report.to = formatAddresses(email.to);
  report.cc = formatAddresses(email.cc);
  report.replyTo = formatAddresses(email.replyTo);
  report.returnPath = normaliseMessageId(email.returnPath) ?? "";

  const addresses: AddressEntry[] = [];
  const add = (role: AddressRole, list: { name: string; address: string }[]) => {
    for (const m of list)
      if (addresses.length < MAX_ADDRESSES)
        addresses.push({ role, address: m.address.toLowerCase(), name: m.name ? decodeName(m.name) : "" });
  };
  add("from", mailboxes(email.from));
  add("sender", mailboxes(email.sender));
  add("reply-to", mailboxes(email.replyTo));
  if (report.returnPath.includes("@")) add("return-path", [{ name: "", address: report.returnPath }]);
  add("to", mailboxes(email.to));
  add("cc", mailboxes(email.cc));
  if (email.deliveredTo?.includes("@")) add("delivered-to", [{ name: "", address: email.deliveredTo }]);
  report.addresses = addresses;

  const received = headerValues(email, "received");
  if (received.length > MAX_RECEIVED_HEADERS)
    notes.push(`${received.length} Received headers: only the first ${MAX_RECEIVED_HEADERS} were read for IP addresses`);
  const seenIps = new Set<string>();
  received.slice(0, MAX_RECEIVED_HEADERS).forEach((value, hop) => {
    for (const ip of findIpsInText(value)) {
      if (seenIps.has(ip.value)) continue;
      seenIps.add(ip.value);
      report.receivedIps.push({ ...ip, hop });
    }
  });
  for (const value of headerValues(email, "x-originating-ip").slice(0, 5)) {
    for (const ip of findIpsInText(value)) {
      if (!seenIps.has(ip.value)) report.receivedIps.push({ ...ip, hop: -1 });
      seenIps.add(ip.value);
    }
  }
  const authHeaders = headerValues(email, "authentication-results");
  report.auth = combineAuthenticationResults(authHeaders);
  report.authResults = parseAuthenticationResultsList(authHeaders);
  report.receivedBy = receivedByOf(received[0]);

  const text = email.text ? repairC1(email.text) : undefined;
  const html = email.html ? repairC1(email.html) : undefined;
  // Parsed once: for its links, and for its text (an HTML-only message's body, where a forward is looked for).
  const htmlLinks = html ? findLinksInHtml(html) : undefined;
  // An HTML-only message has no text part: its visible text, line by line, stands in for one.
  report.bodyText = (text || htmlLinks?.text || "").slice(0, MAX_BODY_TEXT);

  const attachments = email.attachments;
  if (attachments.length > MAX_ATTACHMENTS)
    notes.push(`${attachments.length} attachments: only the first ${MAX_ATTACHMENTS} are described`);
  const qrCodes: QrFound[] = [];
  let imagesRead = 0;
  let imagesLeft = 0;
  for (const attachment of attachments.slice(0, MAX_ATTACHMENTS)) {
    const data = bytesOf(attachment.content);
    const facts = describeFile(data);
    const declaredType = attachment.mimeType.toLowerCase();
    const forwarded = isForwardedMessage(attachment);
    const fileName = repairC1(attachment.filename ?? "") || (forwarded ? "message.eml" : "(unnamed)");
    // QR codes: only parts whose bytes are a PNG or a JPEG, whatever they are named or declared.
    if (facts.sniffedType === "image/png" || facts.sniffedType === "image/jpeg") {
      if (imagesRead >= MAX_QR_IMAGES) {
        imagesLeft++;
      } else {
        imagesRead++;
        const outcome = decodeQrImage(data, facts.sniffedType);
        if ("skipped" in outcome) notes.push(`the image ${fileName} was not read for a QR code: ${outcome.skipped}`);
        else if ("text" in outcome) {
          const url = urlOfQrText(outcome.text);
          if (url) qrCodes.push({ url, fileName, contentId: contentIdOf(attachment.contentId) });
          else notes.push(`the image ${fileName} holds a QR code that is no web address`);
        }
      }
    }
    report.attachments.push({
      fileName,
      declaredType,
      disposition: attachment.disposition ?? "",
      size: facts.size,
      sha256: facts.sha256,
      ...(facts.sniffedType ? { sniffedType: facts.sniffedType } : {}),
      typeMismatch: !forwarded && typeMismatch(declaredType, facts.sniffedType),
      ...(!forwarded && isHtmlFile(fileName, declaredType, facts.sniffedType) ? { html: analyseHtmlFile(data) } : {}),
      ...(contentIdOf(attachment.contentId) ? { contentId: contentIdOf(attachment.contentId)! } : {}),
    });
    if (!forwarded) continue;
    if (depth + 1 > MAX_FORWARD_DEPTH) {
      notes.push(`a message forwarded ${depth + 1} levels deep was not read (at most ${MAX_FORWARD_DEPTH})`);
    } else if (budget.forwarded <= 0 || report.forwarded.length >= MAX_FORWARDED_PER_MESSAGE) {
      notes.push(
        `a forwarded message (${attachment.filename ?? "unnamed"}) was not read: ` +
          `at most ${MAX_FORWARDED_PER_MESSAGE} per message and ${MAX_FORWARDED_PER_MESSAGE * MAX_FORWARD_DEPTH} in all`,
      );
    } else {
      budget.forwarded--;
      if (isOutlookMessage(attachment)) {
        if (!isOleFile(data)) {
          notes.push(`${attachment.filename ?? "an attachment"} is named as an Outlook message but is not one`);
          continue;
        }
        try {
          const converted = await msgToMime(data);
          const inner = await readAt(converted.raw, depth + 1, budget, options);
          inner.notes.push(...converted.notes);
          report.forwarded.push(inner);
        } catch (error) {
          notes.push(
            `the Outlook message ${attachment.filename ?? ""} could not be read (${String((error as Error).message).slice(0, 200)})`,
          );
        }
        continue;
      }
      report.forwarded.push(await readAt(data, depth + 1, budget, options));
    }
  }

  if (imagesLeft) notes.push(`${imagesLeft} more images were not read for QR codes (at most ${MAX_QR_IMAGES} per message)`);
  // Forwarded inline rather than as an attachment: the quoted headers name the reported message, and only
  // what stands above the separator is the reporter's own (their words, their signature).
  const inline = depth === 0 && report.forwarded.length === 0 ? splitInlineForward(text, html, htmlLinks, depth + 1, options) : undefined;
  const found = inline ? findMessageUrlDetails(inline.above) : findMessageUrlDetails({ text, htmlLinks });
  if (found.dropped) notes.push(`${found.dropped} more URLs were found than the ${found.found.length} kept`);
  report.urlDetails = found.found;
  report.dataUriLinks = found.dataUris;
  if (inline) {
    // An image belongs to the forwarded message unless the reporter's own part shows it (a signature's logo).
    const above = inline.above.html ?? "";
    const own = qrCodes.filter((qr) => qr.contentId && above.includes(`cid:${qr.contentId}`));
    addQrUrls(report, own);
    addQrUrls(
      inline.forwarded,
      qrCodes.filter((qr) => !own.includes(qr)),
    );
    // Mailers send the original's attachments along with an inline forward: they are the reported message's
    // (an invoice.html, a payload), unless the reporter's own part shows them (a signature's logo), as for QR codes.
    const carried = report.attachments.filter((attachment) => !(attachment.contentId && above.includes(`cid:${attachment.contentId}`)));
    report.attachments = report.attachments.filter((attachment) => !carried.includes(attachment));
    report.forwarded.push({ ...inline.forwarded, attachments: [...inline.forwarded.attachments, ...carried], forwardedInline: true });
  } else {
    addQrUrls(report, qrCodes);
  }
  report.urls = report.urlDetails.map((f) => f.url);
  return report;
}

interface QrFound {
  url: string;
  fileName: string;
  contentId?: string;
}

/** The web address a QR code's text holds (schemes as linkify reads them; "www." without one), or undefined. */
function urlOfQrText(text: string): string | undefined {
  const trimmed = text.trim();
  const first = findUrlsInText(trimmed)[0];
  if (first) return first;
  return trimmed.toLowerCase().startsWith("www.") ? findUrlsInText(`http://${trimmed}`)[0] : undefined;
}

/** A Content-ID without its angle brackets (as an HTML body names it after "cid:"). */
function contentIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const id = value.trim();
  return (id.startsWith("<") && id.endsWith(">") ? id.slice(1, -1) : id) || undefined;
}

/** QR codes' URLs as URLs of the message (looked up like any other); one also in the body is marked as a QR code's too. */
function addQrUrls(message: MessageReport, codes: QrFound[]): void {
  for (const code of codes) {
    const existing = message.urlDetails.find((found) => found.url === code.url);
    if (existing) existing.qrCode ??= code.fileName;
    else message.urlDetails.push({ url: code.url, source: "qr code", qrCode: code.fileName });
  }
  message.urls = message.urlDetails.map((f) => f.url);
}

/** Characters of a Received header read for its "by" host. */
const MAX_RECEIVED_READ = 2000;

/**
 * The host after "by" in a Received header ("from a (a [1.2.3.4]) by mx.example.com with ESMTPS id …"):
 * tokens split on whitespace, comments skipped, one pass.
 */
export function receivedByOf(value: string | undefined): string {
  if (!value) return "";
  const tokens = (value.length > MAX_RECEIVED_READ ? value.slice(0, MAX_RECEIVED_READ) : value).split(/[ \t\r\n]/);
  let comment = 0;
  let afterBy = false;
  for (const token of tokens) {
    if (!token) continue;
    const wasInComment = comment > 0 || token.startsWith("(");
    for (const ch of token) {
      if (ch === "(") comment++;
      else if (ch === ")" && comment > 0) comment--;
    }
    if (wasInComment) continue;
    if (afterBy) {
      let host = token;
      while (host.endsWith(";") || host.endsWith(",")) host = host.slice(0, -1);
      return host.toLowerCase().slice(0, 255);
    }
    if (token.toLowerCase() === "by") afterBy = true;
  }
  return "";
}

// Lines that start a message forwarded inline, as Gmail, Outlook, Apple Mail, Thunderbird, Naver and Daum write them.
export const INLINE_MARKERS = [
  "---------- Forwarded message ---------",
  "-----Original Message-----",
  "Begin forwarded message:",
  "-------- Original Message --------",
  "-------- Forwarded Message --------",
  "________________________________",
  "---------- 원본 메일 ----------",
  "-----원본 메일-----",
  "-------- 원본 메시지 --------",
  "전달된 메시지:",
];
// A line of dashes that names one of these is a separator too (mailers vary the number of dashes).
const DASHED_MARKER_WORDS = ["original message", "forwarded message", "원본 메일", "원본 메시지", "전달된 메일", "전달 메일"];
type InlineField = "from" | "date" | "subject" | "to" | "cc";
const INLINE_HEADERS: Record<string, InlineField> = {
  from: "from",
  von: "from",
  de: "from",
  date: "date",
  sent: "date",
  datum: "date",
  gesendet: "date",
  subject: "subject",
  betreff: "subject",
  objet: "subject",
  to: "to",
  an: "to",
  cc: "cc",
  // Outlook, Gmail, Naver and Daum in Korean.
  보낸사람: "from",
  "보낸 사람": "from",
  받는사람: "to",
  "받는 사람": "to",
  날짜: "date",
  "보낸 날짜": "date",
  보낸날짜: "date",
  제목: "subject",
  참조: "cc",
};
/** Lines of a header block read after a separator. */
const MAX_BLOCK_LINES = 30;
/** Places tried as the start of a forward, per message (each reads at most MAX_BLOCK_LINES lines). */
const MAX_FORWARD_CANDIDATES = 200;

/** A line as a forward's header block writes it: quoting ("> ") and bold ("*From:*") taken off. */
function cleanLine(raw: string): string {
  let line = raw.trim();
  while (line.startsWith(">")) line = line.slice(1).trim();
  return line.includes("*") ? line.replaceAll("*", "").trim() : line;
}

function fieldOf(line: string): InlineField | undefined {
  const colon = line.indexOf(":");
  if (colon <= 0 || colon > 20) return undefined;
  return INLINE_HEADERS[line.slice(0, colon).trim().toLowerCase()];
}

function isSeparator(line: string): boolean {
  if (INLINE_MARKERS.some((marker) => line.includes(marker))) return true;
  if (line.startsWith("___") && line.length >= 10 && line.split("").every((ch) => ch === "_")) return true;
  if (!line.startsWith("---")) return false;
  const lower = line.slice(0, 200).toLowerCase();
  return DASHED_MARKER_WORDS.some((words) => lower.includes(words));
}

export interface InlineForwardStart {
  /** Where the forward starts in the text (its separator line, or its From line when none). */
  at: number;
  fields: Partial<Record<InlineField, string>>;
  /** Where the forwarded message's body starts (after its header block). */
  bodyAt: number;
}

/** The header block of lines from `from`: its fields and where it ends; undefined when it is none. */
function readHeaderBlock(
  text: string,
  from: number,
  alone: boolean,
): { fields: Partial<Record<InlineField, string>>; end: number } | undefined {
  const fields: Partial<Record<InlineField, string>> = {};
  let at = from;
  let end = from;
  for (let index = 0; index < MAX_BLOCK_LINES && at <= text.length; index++) {
    const newline = text.indexOf("\n", at);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = cleanLine(text.slice(at, Math.min(lineEnd, at + 2000)));
    const next = lineEnd + 1;
    // Blank lines may stand between the fields too: an HTML body's source line breaks show as empty lines.
    if (!line) {
      at = next;
      if (newline < 0) break;
      continue;
    }
    const key = fieldOf(line);
    // The fields follow the separator (blank lines aside): other text there is a signature's rule, not a forward.
    if (!key) break;
    fields[key] ??= line.slice(line.indexOf(":") + 1).trim();
    end = Math.min(next, text.length);
    at = next;
    if (newline < 0) break;
  }
  if (!fields.from) return undefined;
  // Alone (no separator line above it), a block needs more to be told from prose that starts "From:".
  if (alone ? !(fields.subject && (fields.date || fields.to)) : !(fields.subject || fields.date)) return undefined;
  return { fields, end };
}

/**
 * Where a message forwarded inline starts in a body's text: the first separator line followed by a header
 * block (Gmail, Outlook, Apple Mail, Thunderbird, Naver, Daum), or a From:/Sent:/To:/Subject: block standing
 * alone at a line start (Outlook). Undefined when the text holds none. Linear: lines are read once, and each
 * candidate reads at most MAX_BLOCK_LINES lines.
 */
export function findInlineForward(text: string): InlineForwardStart | undefined {
  const scanned = text.length > MAX_SCANNED_CHARS ? text.slice(0, MAX_SCANNED_CHARS) : text;
  let candidates = 0;
  for (let at = 0; at < scanned.length && candidates < MAX_FORWARD_CANDIDATES; ) {
    const newline = scanned.indexOf("\n", at);
    const lineEnd = newline < 0 ? scanned.length : newline;
    const line = cleanLine(scanned.slice(at, Math.min(lineEnd, at + 2000)));
    if (line) {
      const separator = isSeparator(line);
      if (separator || fieldOf(line) === "from") {
        candidates++;
        const block = readHeaderBlock(scanned, separator ? lineEnd + 1 : at, !separator);
        if (block) return { at, fields: block.fields, bodyAt: block.end };
      }
    }
    if (newline < 0) break;
    at = newline + 1;
  }
  return undefined;
}

/** Where the reporter's own words end in a body's text (an inline forward's start), or undefined. */
export function findInlineForwardStart(text: string): number | undefined {
  return findInlineForward(text)?.at;
}

/** The message read from an inline forward's header block and body. */
function inlineReport(
  start: InlineForwardStart,
  body: string,
  urls: { found: FoundUrl[]; dataUris: number },
  depth: number,
  options: ReadOptions,
): MessageReport {
  const { fields } = start;
  const report = emptyReport(new Uint8Array(0), depth);
  const from = addressParser((fields.from ?? "").replaceAll("[mailto:", "<").replaceAll("]", ">"));
  report.from = formatAddresses(from);
  report.fromAddress = firstAddress(from[0]);
  report.to = fields.to ? formatAddresses(addressParser(fields.to)) : "";
  report.cc = fields.cc ? formatAddresses(addressParser(fields.cc)) : "";
  report.subject = fields.subject ?? "";
  // Only a date with its zone: "Monday, November 2, 2026 10:02 AM" is the reporter's local time, unknown here.
  const dateText = (fields.date ?? "").slice(0, 200);
  const date = /[+-]\d{4}|GMT|UTC/.test(dateText) ? parseDate(dateText, options.timeZone) : undefined;
  if (date) report.date = date;
  report.addresses = [
    ...mailboxes(from).map((m) => ({ role: "from" as const, address: m.address.toLowerCase(), name: m.name })),
    ...(fields.to
      ? mailboxes(addressParser(fields.to)).map((m) => ({ role: "to" as const, address: m.address.toLowerCase(), name: m.name }))
      : []),
    ...(fields.cc
      ? mailboxes(addressParser(fields.cc)).map((m) => ({ role: "cc" as const, address: m.address.toLowerCase(), name: m.name }))
      : []),
  ].slice(0, MAX_ADDRESSES);
  report.urlDetails = urls.found;
  report.urls = urls.found.map((f) => f.url);
  report.dataUriLinks = urls.dataUris;
  report.bodyText = body.slice(0, MAX_BODY_TEXT);
  report.notes.push("the reported message was forwarded inline: its sender, subject and date are read from the forwarded text");
  return report;
}

/**
 * Where in the HTML the text at `textAt` (of its parsed text) begins: the start of the text piece there or
 * next; inside a piece (a separator in the middle of one text node), where the line's first characters
 * appear in the HTML's source within that piece, else the piece's start.
 */
function htmlCutAt(html: string, links: HtmlLinks, textAt: number): number {
  const { html: at, inside } = htmlOffsetOfText(links, textAt, html.length);
  if (!inside) return at;
  const line = links.text.slice(textAt, textAt + 40);
  const newline = line.indexOf("\n");
  const probe = (newline >= 0 ? line.slice(0, newline) : line).trim().slice(0, 20);
  if (probe.length >= 5) {
    const exact = html.indexOf(probe, at);
    if (exact >= 0 && exact < at + 4096) return exact;
  }
  return at;
}

/**
 * A report's bodies split at an inline forward: the part above (the reporter's own, read at depth 0) and the
 * forwarded message below, read at `depth`. The text part is cut where its text shows the separator, the
 * HTML part where its own text does. Undefined when the bodies hold no inline forward.
 */
function splitInlineForward(
  text: string | undefined,
  html: string | undefined,
  htmlLinks: HtmlLinks | undefined,
  depth: number,
  options: ReadOptions,
): { above: { text?: string; html?: string }; forwarded: MessageReport } | undefined {
  const primary = text || htmlLinks?.text;
  if (!primary) return undefined;
  const start = findInlineForward(primary);
  if (!start) return undefined;
  const above: { text?: string; html?: string } = {};
  const below: { text?: string; html?: string } = {};
  if (text) {
    above.text = text.slice(0, start.at);
    below.text = text.slice(start.bodyAt);
  }
  if (html && htmlLinks) {
    const htmlStart = text ? findInlineForward(htmlLinks.text) : start;
    if (htmlStart) {
      const cut = htmlCutAt(html, htmlLinks, htmlStart.at);
      above.html = html.slice(0, cut);
      below.html = html.slice(cut);
    } else {
      // The HTML shows no separator its text part does: its links are not the reporter's unless the text above shows them.
      below.html = html;
    }
  }
  const body = primary.slice(start.bodyAt);
  const forwarded = inlineReport(start, body, findMessageUrlDetails(below), depth, options);
  return { above, forwarded };
}

/**
 * A message forwarded inline (the reporter pressed "Forward"), read from a body's text (and HTML): its From,
 * Date, Subject and To lines after a separator, and the URLs below them. Undefined when the text holds none.
 */
export function readInlineForward(text: string, depth: number, html?: string, options: ReadOptions = {}): MessageReport | undefined {
  const htmlLinks = html ? findLinksInHtml(html) : undefined;
  return splitInlineForward(html ? undefined : text, html, htmlLinks, depth, options)?.forwarded;
}

export async function readMessage(raw: Buffer | Uint8Array, options: ReadOptions = {}): Promise<MessageReport> {
  const report = await readAt(raw, 0, { forwarded: MAX_FORWARDED_PER_MESSAGE * MAX_FORWARD_DEPTH }, options);
  report.raw = raw;
  // Only a message without Message-ID needs it (as its alert id): hashing every message cost a tenth of reading one.
  if (!report.messageId) report.contentHash = crypto.createHash("sha256").update(raw).digest("hex");
  return report;
}

/** The message a report is about: the innermost first forwarded message, or the message itself. */
export function reportedMessage(report: MessageReport): MessageReport {
  let current = report;
  while (current.forwarded[0]) current = current.forwarded[0];
  return current;
}

/** Every message of a report, outermost first (the message itself, then what it forwards). */
export function allMessages(report: MessageReport): MessageReport[] {
  const out: MessageReport[] = [];
  const visit = (message: MessageReport) => {
    out.push(message);
    for (const inner of message.forwarded) visit(inner);
  };
  visit(report);
  return out;
}
