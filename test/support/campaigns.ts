// Phishing campaigns and the ways staff report them: forwarded as an attachment, forwarded inline with
// "FW:"/"전달:" prefixes and gateway tags, or the phish itself moved to the report mailbox.
import crypto from "node:crypto";

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

/** Staff forward the phish as an attachment (message/rfc822). */
export function reportAsAttachment(message: Phish, reporter: string, prefix = "FW:", minutes = 5): string {
  const boundary = `b-${crypto.randomBytes(4).toString("hex")}`;
  return [
    `From: ${reporter}`,
    "To: phishing@company.test",
    `Subject: =?UTF-8?B?${Buffer.from(`${prefix} ${message.subject}`).toString("base64")}?=`,
    `Date: ${date(minutes)}`,
    `Message-ID: <${reportId()}>`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "This looks like phishing.",
    `Company footer ${FOOTER}`,
    "",
    `--${boundary}`,
    "Content-Type: message/rfc822",
    'Content-Disposition: attachment; filename="phish.eml"',
    "",
    message.raw(reporter),
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/** Staff forward the phish inline: its text quoted under a "Forwarded message" line. */
export function reportInline(message: Phish, reporter: string, prefix: string, minutes = 6): string {
  return [
    `From: ${reporter}`,
    "To: phishing@company.test",
    `Subject: =?UTF-8?B?${Buffer.from(`${prefix} ${message.subject}`).toString("base64")}?=`,
    `Date: ${date(minutes)}`,
    `Message-ID: <${reportId()}>`,
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
    "From: Newsletter <news@company.test>",
    "To: phishing@company.test",
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString("base64")}?=`,
    `Date: ${date(minutes)}`,
    `Message-ID: <${reportId()}>`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    `News of the week: https://intranet.company.test/news/${crypto.randomBytes(3).toString("hex")}`,
    `Privacy: ${FOOTER}`,
    "",
  ].join("\r\n");
}
