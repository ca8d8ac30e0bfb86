// Reports for the phishing-triage tests: a colleague forwarding a suspicious message as an attachment.

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
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Is this phishing?",
    "",
    "--b",
    "Content-Type: message/rfc822",
    'Content-Disposition: attachment; filename="phish.eml"',
    "",
    inner,
    "--b--",
    "",
  ].join("\r\n");
}
