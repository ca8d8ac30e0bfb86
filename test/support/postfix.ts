// A real Postfix on loopback for the tests: takes mail for @example.test (STARTTLS with the Dovecot's
// certificate, no authentication, loopback only) and delivers it into that Dovecot over LMTP.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import PostalMime from "postal-mime";
import { freePort, withImap, type Dovecot } from "./dovecot.js";

export interface Postfix {
  dir: string;
  port: number;
  /** The email integration's SMTP parameters for this server (the CA is the Dovecot's: NODE_EXTRA_CA_CERTS). */
  params(extra?: Record<string, unknown>): Record<string, unknown>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once Postfix's queue is empty: every message it took has been delivered (or bounced). */
  delivered(timeoutMs?: number): Promise<void>;
  /** Postfix's log (deliveries, refusals). */
  log(): string;
}

const SERVICES = `pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

function postfixBinary(): string {
  for (const candidate of ["/usr/sbin/postfix", "/usr/local/sbin/postfix"]) if (fs.existsSync(candidate)) return candidate;
  throw new Error("Postfix is not installed: apt-get install postfix dovecot-lmtpd (scripts/install-test-deps.sh does it)");
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts Postfix delivering into `dovecot` (started with `lmtp: true`). Needs root, as Postfix does. */
export async function startPostfix(dovecot: Dovecot): Promise<Postfix> {
  const binary = postfixBinary();
  const lmtp = path.join(dovecot.dir, "run", "lmtp");
  if (!fs.existsSync(lmtp)) throw new Error(`no LMTP socket at ${lmtp}: start Dovecot with { lmtp: true }`);
  const dir = path.join(dovecot.dir, "postfix");
  const conf = path.join(dir, "conf");
  for (const folder of [conf, path.join(dir, "queue"), path.join(dir, "data")]) fs.mkdirSync(folder, { recursive: true });
  execFileSync("chown", ["postfix", path.join(dir, "data")]);
  const port = await freePort();
  const certs = path.join(dovecot.dir, "conf");
  fs.writeFileSync(
    path.join(conf, "main.cf"),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.test
mydomain = example.test
myorigin = example.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
virtual_mailbox_domains = example.test
virtual_transport = lmtp:unix:${lmtp}
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_tls_cert_file = ${certs}/cert.pem
smtpd_tls_key_file = ${certs}/key.pem
smtpd_tls_security_level = may
maillog_file_prefixes = ${dir}
maillog_file = ${dir}/maillog
`,
  );
  fs.writeFileSync(path.join(conf, "master.cf"), `127.0.0.1:${port} inet n - n - - smtpd\n${SERVICES}`);
  const postfix = (command: string) => execFileSync(binary, ["-c", conf, command], { stdio: "ignore" });
  postfix("set-permissions");
  const start = async () => {
    // stdio ignored: the daemon keeps inherited pipes open.
    postfix("start");
    for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  const stop = async () => {
    try {
      postfix("stop");
    } catch {
      return;
    }
    for (let i = 0; i < 100 && (await listening(port)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  };
  // Postfix delivers at least once: stopped in the middle of an LMTP delivery, it delivers that message
  // again after its restart. A test that stops it waits for its queue to empty first.
  const delivered = async (timeoutMs = 30_000) => {
    const postqueue = path.join(path.dirname(binary), "postqueue");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queued = execFileSync(postqueue, ["-c", conf, "-j"], { encoding: "utf8" }).trim();
      if (!queued) return;
      if (Date.now() > deadline) throw new Error(`Postfix still holds mail after ${timeoutMs} ms: ${queued.slice(0, 500)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await start();
  return {
    dir,
    port,
    params: (extra = {}) => ({
      "SMTP Server Address": "localhost",
      "SMTP Port": port,
      "SMTP Security": "starttls",
      "Sender Address": "security@example.test",
      ...extra,
    }),
    start,
    stop,
    delivered,
    log: () => (fs.existsSync(path.join(dir, "maillog")) ? fs.readFileSync(path.join(dir, "maillog"), "utf8") : ""),
  };
}

/** A message as its recipient reads it: the headers a reply is judged by, and its text and HTML. */
export interface ReceivedMail {
  subject: string;
  to: string;
  inReplyTo: string;
  references: string;
  language: string;
  text: string;
  html: string;
}

/** The messages in PERSON@example.test's INBOX on `dovecot`, parsed (none when the mailbox is empty). */
export async function readInbox(dovecot: Dovecot, person: string): Promise<ReceivedMail[]> {
  return withImap(
    dovecot,
    async (client) => {
      const status = await client.status("INBOX", { messages: true }).catch(() => false as const);
      if (status === false || !status.messages) return [];
      await client.mailboxOpen("INBOX");
      const out: ReceivedMail[] = [];
      for await (const message of client.fetch("1:*", { source: true })) {
        const parsed = await PostalMime.parse(message.source!);
        const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value ?? "";
        out.push({
          subject: parsed.subject ?? "",
          to: header("to"),
          inReplyTo: header("in-reply-to"),
          references: header("references"),
          language: header("content-language"),
          text: parsed.text ?? "",
          html: parsed.html ?? "",
        });
      }
      return out;
    },
    `${person}@example.test`,
  );
}
