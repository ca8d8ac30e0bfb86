// Builds the alert and its one event of SPEC.md from a read message: the reported message's fields (the
// forwarded one when staff forwarded it as an attachment, the reporter kept apart), indicators as
// entities, and the original message as a file of the case.
import {
  AlertInfo,
  Priority,
  convertDatetimeToUnixTime,
  describeHost,
  hostOfAddress,
  hostOfUrl,
  type Entity,
  type EntityRole,
  type EventRecord,
} from "intake/sdk";
import {
  allMessages,
  findInlineForwardStart,
  INLINE_MARKERS,
  reportedMessage,
  type AddressRole,
  type MessageReport,
} from "./read-message.js";

export const PRODUCT = "Mail";
export const EVENT_NAME = "Suspicious email";
/** Entities per alert; past this they are counted in a note. */
export const MAX_ENTITIES = 5000;
/** Notes per alert (each at most MAX_NOTE_LENGTH characters). */
export const MAX_NOTES = 100;
const MAX_NOTE_LENGTH = 2000;
/** Longest indicator value kept (URLs are cut at 4,000 characters where they are found). */
export const MAX_ENTITY_VALUE = 8000;
/** Header text kept on an event field. */
const MAX_FIELD = 8000;

export interface MessageOrigin {
  uid: number;
  folder: string;
  /** When the server received it (INTERNALDATE): the time of a message whose Date is missing. */
  internalDate?: Date;
}

export function alertIdOf(report: MessageReport): string {
  return report.messageId ?? `sha256:${report.contentHash}`;
}

function field(text: string): string {
  return text.length > MAX_FIELD ? text.slice(0, MAX_FIELD) : text;
}

/** Where in the report a message sits, as an entity source prefix: "", "forwarded ", "forwarded (2) ". */
function levelPrefix(message: MessageReport): string {
  if (message.depth === 0) return "";
  return message.depth === 1 ? "forwarded " : `forwarded (${message.depth}) `;
}

/**
 * What an address is to the reported message (the SDK's roles, which the platform reads): From sends,
 * To/Cc/Delivered-To receive; the From of a report that forwards a message is the colleague who reported it.
 */
function addressRole(header: AddressRole, message: MessageReport): EntityRole | undefined {
  if (header === "from") return message.depth === 0 && message.forwarded.length > 0 ? "reporter" : "sender";
  if (header === "to" || header === "cc" || header === "delivered-to") return "recipient";
  return undefined;
}

class EntityList {
  readonly items: Entity[] = [];
  private readonly seen = new Set<string>();
  dropped = 0;
  tooLong = 0;

  add(entity: Entity, key = `${entity.type}\u0000${entity.value}`): void {
    // A value this long is no usable indicator (a hostile "address" of megabytes): counted, not kept.
    if (entity.value.length > MAX_ENTITY_VALUE) {
      this.tooLong++;
      return;
    }
    if (typeof entity.name === "string" && entity.name.length > 500) entity.name = `${entity.name.slice(0, 500)}…`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (this.items.length >= MAX_ENTITIES) {
      this.dropped++;
      return;
    }
    this.items.push(entity);
  }

  addDomain(host: string | undefined, source: string, depth: number): void {
    if (!host) return;
    const info = describeHost(host);
    if (!info || info.isIp) return;
    this.add({
      type: "DOMAIN",
      value: info.domain,
      source,
      depth,
      hostname: info.hostname,
      ...(info.isIdn ? { idn: true, unicode: info.unicode, punycode: info.punycode } : {}),
      ...(info.mixedScripts ? { homograph: true, scripts: info.mixedScripts } : {}),
      // Anyone may take a name under a private-section suffix (firebaseapp.com, github.io): one tenant's site.
      ...(info.privateSuffix ? { private_suffix: info.privateSuffix } : {}),
    });
  }
}

function collectEntities(report: MessageReport, list: EntityList): void {
  for (const message of allMessages(report)) {
    const prefix = levelPrefix(message);
    const { depth } = message;
    for (const found of message.urlDetails) {
      list.add({
        type: "URL",
        value: found.url,
        source: `${prefix}${found.source === "qr code" ? `qr code in ${found.qrCode ?? "an image"}` : found.source}`,
        depth,
        ...(found.qrCode !== undefined ? { qr_code: true } : {}),
        ...(found.trackingPixel ? { tracking_pixel: true } : {}),
        // What the page loads by itself (images, stylesheets, fonts…): nobody clicks it.
        ...(found.resource ? { clickable: false, resource: found.resource } : {}),
        ...(found.linkTextDomain ? { link_text_domain: found.linkTextDomain } : {}),
      });
    }
    for (const entry of message.addresses) {
      const header = {
        from: "From",
        sender: "Sender",
        "reply-to": "Reply-To",
        "return-path": "Return-Path",
        to: "To",
        cc: "Cc",
        "delivered-to": "Delivered-To",
      }[entry.role];
      const role = addressRole(entry.role, message);
      list.add(
        {
          type: "EMAIL_ADDRESS",
          value: entry.address,
          source: `${prefix}header ${header}`,
          ...(role ? { role } : {}),
          depth,
          header: entry.role,
          ...(entry.name ? { name: entry.name } : {}),
        },
        `EMAIL_ADDRESS\u0000${entry.address}\u0000${prefix}${entry.role}`,
      );
    }
    for (const ip of message.receivedIps) {
      list.add({
        type: "IP",
        value: ip.value,
        source: `${prefix}header ${ip.hop < 0 ? "X-Originating-IP" : "Received"}`,
        depth,
        version: ip.version,
        private: ip.private,
        ...(ip.hop >= 0 ? { hop: ip.hop } : {}),
      });
    }
    for (const file of message.attachments) {
      list.add(
        {
          type: "FILE",
          value: file.fileName,
          source: `${prefix}attachment`,
          depth,
          sha256: file.sha256,
          size: file.size,
          declared_type: file.declaredType,
          ...(file.sniffedType ? { sniffed_type: file.sniffedType } : {}),
          ...(file.typeMismatch ? { type_mismatch: true } : {}),
          ...(file.html?.passwordForm ? { html_password_form: true } : {}),
          ...(file.html?.smuggling ? { html_smuggling: true } : {}),
          ...(file.html?.formAction ? { html_form_action: file.html.formAction } : {}),
        },
        `FILE\u0000${file.sha256}\u0000${file.fileName}`,
      );
    }
  }
  // Domains after the indicators they come from, so that URLs and addresses lead the list.
  for (const message of allMessages(report)) {
    const prefix = levelPrefix(message);
    for (const found of message.urlDetails) list.addDomain(hostOfUrl(found.url), `${prefix}url`, message.depth);
    for (const entry of message.addresses) {
      if (entry.role === "from" || entry.role === "reply-to" || entry.role === "return-path" || entry.role === "sender")
        list.addDomain(hostOfAddress(entry.address), `${prefix}header ${entry.role}`, message.depth);
    }
  }
}

/**
 * Headers left out of an event's Headers map: bulky or read into fields of their own (auth results, IPs,
 * addresses, subject, date, id), and the MIME structure's: carried twice, they were event JSON to pass,
 * check and store for every report, read by no rule.
 */
const UNMAPPED_HEADERS = new Set([
  "received",
  "dkim-signature",
  "arc-seal",
  "arc-message-signature",
  "arc-authentication-results",
  "authentication-results",
  "x-google-dkim-signature",
  "subject",
  "from",
  "sender",
  "to",
  "cc",
  "bcc",
  "reply-to",
  "return-path",
  "date",
  "message-id",
  "in-reply-to",
  "references",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
]);
export const MAX_MAPPED_HEADERS = 100;
const MAX_HEADER_VALUE = 500;

/**
 * The reported message's headers by lower-case name (the first of each), bounded: what rules on the
 * report read, such as the headers phishing-simulation vendors add.
 */
function headerMap(message: MessageReport): Record<string, string> {
  // No prototype: a header named __proto__ is a key like any other.
  const map = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const header of message.headers) {
    const name = header.key.toLowerCase();
    if (UNMAPPED_HEADERS.has(name) || Object.hasOwn(map, name) || name.length > 100) continue;
    if (count++ >= MAX_MAPPED_HEADERS) break;
    map[name] = header.value.slice(0, MAX_HEADER_VALUE);
  }
  return map;
}

const MAX_REPLY_TEXT = 4000;

/** In-Reply-To, References (the Message-IDs, bounded) and the body's text of a message that replies to another. */
function threadOf(message: MessageReport): { InReplyTo: string; References: string[]; ReplyText: string } | undefined {
  const header = (name: string) => message.headers.find((entry) => entry.key.toLowerCase() === name)?.value ?? "";
  const inReplyTo = header("in-reply-to").slice(0, 1000).trim();
  const references = [
    ...header("references")
      .slice(0, 20_000)
      .matchAll(/<[^<>\s]{1,900}>/g),
  ]
    .map((match) => match[0])
    .slice(-50);
  if (!inReplyTo && references.length === 0) return undefined;
  return { InReplyTo: inReplyTo, References: references, ReplyText: message.bodyText.slice(0, MAX_REPLY_TEXT) };
}

/** Hangul syllables, jamo, compatibility and half-width jamo. */
function isHangul(code: number): boolean {
  return (
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x3131 && code <= 0x318e) ||
    (code >= 0xa960 && code <= 0xa97f) ||
    (code >= 0xd7b0 && code <= 0xd7ff) ||
    (code >= 0xffa0 && code <= 0xffdc)
  );
}

/** ASCII letters, Latin-1 letters and Latin Extended-A/B and Additional. */
function isLatinLetter(code: number): boolean {
  const lower = code | 0x20;
  return (
    (lower >= 0x61 && lower <= 0x7a) ||
    (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7) ||
    (code >= 0x1e00 && code <= 0x1eff)
  );
}

/** Letters read to tell a report's language: enough for a few sentences. */
const LANGUAGE_SAMPLE = 4000;

/**
 * The language of the report (the reporter's message, not the reported one): its Content-Language,
 * else "ko" or "en" from the letters of the reporter's own words (Hangul against Latin; the text of a
 * message forwarded inline is left out), else "" (the reply's default language applies).
 */
export function reportLanguageOf(report: MessageReport): string {
  const header = report.headers.find((entry) => entry.key.toLowerCase() === "content-language")?.value ?? "";
  const tag = header.split(",")[0]!.trim();
  if (/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag)) return tag.slice(0, 35);
  let own = report.bodyText;
  if (report.forwarded[0]?.forwardedInline) {
    // Where the forward was found; else (a separator without its header block) the first separator.
    const markers = INLINE_MARKERS.map((marker) => own.indexOf(marker)).filter((at) => at >= 0);
    const cut = findInlineForwardStart(own) ?? (markers.length ? Math.min(...markers) : undefined);
    if (cut !== undefined) own = own.slice(0, cut);
  }
  // Code ranges, not a Unicode-property regex a character: that cost 0.28 ms a report, 2.8 s of CPU on
  // the bench's 10,000 (Hangul lies in the BMP, so UTF-16 units are enough).
  let hangul = 0;
  let latin = 0;
  const end = Math.min(own.length, LANGUAGE_SAMPLE);
  for (let at = 0; at < end; at++) {
    const code = own.charCodeAt(at);
    if (isHangul(code)) hangul++;
    else if (isLatinLetter(code)) latin++;
  }
  // Korean prose often carries English words (product names, URLs): a third as many Hangul letters still reads as Korean.
  if (hangul >= 2 && hangul * 3 >= latin) return "ko";
  if (latin >= 2) return "en";
  return "";
}

export function buildAlert(report: MessageReport, origin: MessageOrigin): AlertInfo {
  const reported = reportedMessage(report);
  const forwarded = reported !== report;
  const notes: string[] = [];
  for (const message of allMessages(report))
    for (const note of message.notes) notes.push(message.depth ? `forwarded message: ${note}` : note);
  let when = reported.date ?? report.date;
  if (!when) {
    when = origin.internalDate ?? new Date();
    notes.push(
      `the Date header is missing or unreadable: the time is the server's ${origin.internalDate ? "INTERNALDATE" : "time of reading"}`,
    );
  }
  const time = convertDatetimeToUnixTime(when);
  const id = alertIdOf(report);

  const event: EventRecord = {
    StartTime: time,
    EndTime: time,
    event_name: EVENT_NAME,
    device_product: PRODUCT,
    Subject: field(reported.subject),
    SourceUserName: field(reported.from),
    SourceEmailAddress: reported.fromAddress,
    DestinationUserName: field(reported.to),
    found_url: reported.urls.join(","),
    found_urls: reported.urls,
    MessageId: report.messageId ?? "",
    Size: report.size,
    // What a reply to the reporter is written in (Content-Language, else guessed from their own words).
    ReportLanguage: reportLanguageOf(report),
  };
  // A reply (to mail Intake sent, perhaps): its thread and its own words, for a playbook waiting for the reporter's answer.
  const thread = threadOf(report);
  if (thread) Object.assign(event, thread);
  if (reported.cc) event.Cc = field(reported.cc);
  if (reported.replyTo) event.ReplyTo = field(reported.replyTo);
  if (reported.returnPath) event.ReturnPath = field(reported.returnPath);
  if (reported.auth.spf) event.SpfResult = reported.auth.spf;
  if (reported.auth.dkim) event.DkimResult = reported.auth.dkim;
  if (reported.auth.dmarc) event.DmarcResult = reported.auth.dmarc;
  if (reported.auth.server) event.AuthServer = reported.auth.server;
  // Every Authentication-Results header and the receiving host, for the playbook to choose whose to believe
  // (an inline forward has no headers: nothing to say).
  if (!reported.forwardedInline) {
    event.AuthResults = reported.authResults;
    if (reported.receivedBy) event.ReceivedBy = reported.receivedBy;
  }
  if (reported.dataUriLinks > 0) event.DataUriLinks = reported.dataUriLinks;
  const headers = headerMap(reported);
  if (Object.keys(headers).length) event.Headers = headers;
  if (reported.attachments.length) {
    event.AttachmentNames = reported.attachments.map((a) => a.fileName);
    event.AttachmentHashes = reported.attachments.map((a) => a.sha256);
  }
  // How staff reported it: the console lists this beside each report of a campaign case.
  event.ReportedAs = !forwarded
    ? "original message"
    : report.forwarded[0]?.forwardedInline
      ? "forwarded inline"
      : "forwarded as attachment";
  if (forwarded) {
    // The reporter (who forwarded it) kept apart from the sender of the reported message.
    event.ForwardDepth = reported.depth;
    event.ReportedMessageId = reported.messageId ?? "";
    if (reported.date) event.ReportedDate = convertDatetimeToUnixTime(reported.date);
    event.ReporterUserName = field(report.from);
    event.ReporterEmailAddress = report.fromAddress;
    event.ReporterSubject = field(report.subject);
    if (report.date) event.ReporterDate = convertDatetimeToUnixTime(report.date);
    event.ReporterUrls = report.urls;
    event.ReporterAuthResults = report.authResults;
    if (report.receivedBy) event.ReporterReceivedBy = report.receivedBy;
  }

  const entities = new EntityList();
  collectEntities(report, entities);
  if (entities.tooLong) notes.push(`${entities.tooLong} indicators longer than ${MAX_ENTITY_VALUE} characters were not kept`);
  if (entities.dropped) notes.push(`${entities.dropped} more indicators were found than the ${MAX_ENTITIES} kept`);

  const alert = new AlertInfo();
  alert.display_id = id;
  alert.ticket_id = id;
  alert.name = reported.subject || report.subject || "(no subject)";
  alert.rule_generator = PRODUCT;
  alert.start_time = time;
  alert.end_time = time;
  alert.priority = Priority.MEDIUM;
  alert.device_vendor = PRODUCT;
  alert.device_product = PRODUCT;
  alert.events.push(event);
  alert.extensions = { folder: origin.folder, uid: origin.uid };
  alert.entities = entities.items;
  // The message as fetched, byte for byte: `intake cases eml CASE_ID` gives it back.
  if (report.raw) alert.attachments = [{ fileName: "original.eml", contentType: "message/rfc822", data: report.raw }];
  const unique = [...new Set(notes)];
  alert.notes = unique.slice(0, MAX_NOTES).map((note) => (note.length > MAX_NOTE_LENGTH ? `${note.slice(0, MAX_NOTE_LENGTH)}…` : note));
  if (unique.length > MAX_NOTES) alert.notes.push(`${unique.length - MAX_NOTES} more notes were not kept`);
  return alert;
}
