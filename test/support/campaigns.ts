// Phishing campaigns and the ways staff report them: forwarded as an attachment, forwarded inline with
// "FW:"/"전달:" prefixes and gateway tags, or the phish itself moved to the report mailbox.
import crypto from "node:crypto";
import { attachedMessage } from "./triage.js";

export interface Phish {
  messageId: string;
  subject: string;
  url: string;
  raw(recipient: string): string;
}

const FOOTER = "https://www.company.test/privacy";
let counter = 0;

function date(minutes: number): string {
  return new Date(Date.UTC(2026, 10, 20, 9, minutes, 0)).toUTCString().replace("GMT", "+0000");
}

export function phish(subject: string, host: string, minutes = 0): Phish {
  const id = `phish-${crypto.randomBytes(4).toString("hex")}@${host}`;
  const url = `https://${host}/login/verify`;
  return {
    messageId: id,
    subject,
    url,
    // Each recipient gets a link with a token of their own: the campaign is the same.
    raw: (recipient) =>
      [
        `From: "Security Team" <alert@${host}>`,
        `To: ${recipient}`,
        `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
        `Date: ${date(minutes)}`,
        `Message-ID: <${id}>`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        `Please verify your account: ${url}?token=${crypto.randomBytes(6).toString("hex")}&u=${encodeURIComponent(recipient)}`,
        `Privacy: ${FOOTER}`,
        "",
      ].join("\r\n"),
  };
}

function reportId(): string {
  return `report-${++counter}-${crypto.randomBytes(3).toString("hex")}@company.test`;
}

/** The headers of a message to the reports mailbox, its subject encoded, its Message-ID a new one. */
function toReports(from: string, subject: string, minutes: number): string[] {
  return [
    `From: ${from}`,
    "To: phishing@company.test",
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
    `Date: ${date(minutes)}`,
    `Message-ID: <${reportId()}>`,
  ];
}

/** Staff forward the phish as an attachment (message/rfc822). */
export function reportAsAttachment(message: Phish, reporter: string, prefix = "FW:", minutes = 5): string {
  const boundary = `b-${crypto.randomBytes(4).toString("hex")}`;
  return [
    ...toReports(reporter, `${prefix} ${message.subject}`, minutes),
    ...attachedMessage(`This looks like phishing.\r\nCompany footer ${FOOTER}`, message.raw(reporter), { boundary }),
  ].join("\r\n");
}

/** Staff forward the phish inline: its text quoted under a "Forwarded message" line. */
export function reportInline(message: Phish, reporter: string, prefix: string, minutes = 6): string {
  return [
    ...toReports(reporter, `${prefix} ${message.subject}`, minutes),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Is this real?",
    "",
    "---------- Forwarded message ---------",
    `From: Security Team <alert@x>`,
    `Subject: ${message.subject}`,
    "",
    `Please verify your account: ${message.url}?token=${crypto.randomBytes(6).toString("hex")}`,
    `Privacy: ${FOOTER}`,
    "",
  ].join("\r\n");
}

/** Ordinary mail that shares only the company footer link and a common domain. */
export function unrelated(subject: string, minutes = 7): string {
  return [
    ...toReports("Newsletter <news@company.test>", subject, minutes),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `News of the week: https://intranet.company.test/news/${crypto.randomBytes(3).toString("hex")}`,
    `Privacy: ${FOOTER}`,
    "",
  ].join("\r\n");
}
