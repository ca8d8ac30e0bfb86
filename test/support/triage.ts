// Reports for the phishing-triage tests and benches (a colleague forwarding a suspicious message as an attachment),
// and a phish to report.

/** The playbook settings under which such a colleague's report is answered. */
export const OUR_PEOPLE = { "Reporter Domains": "example.test", "Trusted Authentication Servers": "mx.example.test" };

/** A colleague's report forwarding the suspicious message as an attachment. */
export function forwardedReport(tag: string, phish: { from: string; subject: string; body: string; headers?: string[] }): string {
  const inner = [
    `From: ${phish.from}`,
    "To: staff@example.test",
    `Subject: ${phish.subject}`,
    `Message-ID: <phish-${tag}@sender.test>`,
    "Date: Tue, 01 Dec 2026 09:00:00 +0000",
    ...(phish.headers ?? []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    phish.body,
    "",
  ].join("\r\n");
  return [
    // Our MX (authserv-id mx.example.test) authenticated the colleague's report: such a report may be answered.
    "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=example.test; " +
      "dkim=pass header.d=example.test; dmarc=pass header.from=example.test",
    "From: Colleague <colleague@example.test>",
    "To: phish-reports@example.test",
    `Subject: Fwd: ${phish.subject}`,
    `Message-ID: <report-${tag}@example.test>`,
    "Date: Tue, 01 Dec 2026 10:00:00 +0000",
    ...attachedMessage("Is this phishing?", inner),
  ].join("\r\n");
}

/**
 * The body of a report that forwards a message as an attachment, from its MIME-Version header on: the reporter's
 * words, then the message itself (message/rfc822, "phish.eml" unless `filename`). Lines, to join with CRLF after the
 * report's headers.
 */
export function attachedMessage(words: string, message: string, { boundary = "b", filename = "phish.eml" } = {}): string[] {
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    words,
    "",
    `--${boundary}`,
    "Content-Type: message/rfc822",
    `Content-Disposition: attachment; filename="${filename}"`,
    "",
    message,
    `--${boundary}--`,
    "",
  ];
}

/** The "Your mailbox is full" phish from it-desk@evil.test, as delivered to staff, with this Message-ID (<…>). */
export function mailboxFullPhish(messageId: string): string {
  return [
    "From: IT Desk <it-desk@evil.test>",
    "To: staff@example.test",
    "Subject: Your mailbox is full",
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Verify now: https://quota.evil.test/login",
    "",
  ].join("\r\n");
}
