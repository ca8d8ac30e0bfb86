// Entity rows as the email connector stored them before migration 0011 (labels only, the header's name in
// the data as "role"), and the role, depth and data 0011 must give each: for SQLite and PostgreSQL alike.
interface OldEntity {
  alert_pk: number;
  case_id: number;
  type: string;
  value: string;
  source: string;
  data: string;
  role: string | null;
  depth: number;
  after: string;
}

function row(
  alert_pk: number,
  type: string,
  value: string,
  source: string,
  data: object,
  role: string | null,
  depth: number,
  after: object = data,
): OldEntity {
  return { alert_pk, case_id: alert_pk, type, value, source, data: JSON.stringify(data), role, depth, after: JSON.stringify(after) };
}

export const OLD_EMAIL_ENTITIES: OldEntity[] = [
  // Alert 1: a colleague forwarded a phish as an attachment, which itself forwarded another.
  row(1, "URL", "https://intranet.company.test/a", "text", {}, null, 0),
  row(1, "URL", "https://phish.test/login", "forwarded html link", { tracking_pixel: true }, null, 1),
  row(1, "EMAIL_ADDRESS", "alice@company.test", "header From", { role: "from", name: "Alice" }, "reporter", 0, {
    header: "from",
    name: "Alice",
  }),
  row(1, "EMAIL_ADDRESS", "phishing@company.test", "header To", { role: "to" }, "recipient", 0, { header: "to" }),
  row(1, "EMAIL_ADDRESS", "service@phish.test", "forwarded header From", { role: "from" }, "sender", 1, { header: "from" }),
  row(1, "EMAIL_ADDRESS", "collect@drop.test", "forwarded header Reply-To", { role: "reply-to" }, null, 1, { header: "reply-to" }),
  row(1, "EMAIL_ADDRESS", "victim@company.test", "forwarded header Cc", { role: "cc" }, "recipient", 1, { header: "cc" }),
  row(1, "EMAIL_ADDRESS", "boss@phish.test", "forwarded (2) header From", { role: "from" }, "sender", 2, { header: "from" }),
  row(1, "DOMAIN", "phish.test", "forwarded (2) header from", { hostname: "phish.test" }, null, 2),
  row(1, "IP", "203.0.113.9", "forwarded header Received", { version: 4, private: true }, null, 1),
  row(1, "FILE", "invoice.pdf", "forwarded (2) attachment", { size: 10 }, null, 2),
  // Alert 2: the phish itself, moved to the mailbox.
  row(2, "EMAIL_ADDRESS", "alert@bank.test", "header From", { role: "from" }, "sender", 0, { header: "from" }),
  row(2, "EMAIL_ADDRESS", "erin@company.test", "header Delivered-To", { role: "delivered-to" }, "recipient", 0, { header: "delivered-to" }),
  // Alert 3: another connector's labels, which the platform never read: left as they were.
  row(3, "EMAIL_ADDRESS", "owner@corp.test", "mailbox owner", { role: "owner" }, null, 0),
  row(3, "USERUNIQNAME", "jdoe", "forwarded mail", {}, null, 0),
];

/** The rows after 0011, in the order inserted. */
export function expectedAfter0011() {
  return OLD_EMAIL_ENTITIES.map((entity) => ({
    value: entity.value,
    source: entity.source,
    role: entity.role,
    depth: entity.depth,
    data: entity.after,
  }));
}
