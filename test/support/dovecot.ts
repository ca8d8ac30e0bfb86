// A real Dovecot on loopback for the tests: TLS with a private CA made here, one user, Maildir storage.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";

export const USER = "analyst@example.test";
export const PASSWORD = "secret";
/** The master user's password (`masterUser` option): it opens any mailbox as `USER*MASTER`. */
export const MASTER_PASSWORD = "master-secret";

export interface Dovecot {
  dir: string;
  host: string;
  port: number;
  /** The CA that signed the server's certificate: give it to Intake as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  maildir: string;
  /** Connector parameters that reach this server. */
  params(extra?: Record<string, unknown>): Record<string, unknown>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /**
   * Kills this server's IMAP session processes (children of its master named "imap"), as a crash or an
   * admin's kill would: each client sees its connection dropped, mid-command. Returns how many were killed.
   */
  killImapSessions(): number;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * COUNT distinct free loopback ports. Each listener is held until all are taken: a port closed at once may be
 * handed out again by the next call, and a Dovecot given the same port twice refuses to start ("duplicate listener").
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function dovecotBinary(): string {
  for (const candidate of ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]) if (fs.existsSync(candidate)) return candidate;
  throw new Error("Dovecot is not installed: apt-get install dovecot-imapd (the README's test command does it)");
}

function makeCertificates(conf: string): void {
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "30",
    "-subj",
    "/CN=intake-test-ca",
    "-keyout",
    `${conf}/ca.key`,
    "-out",
    `${conf}/ca.pem`,
  ]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", `${conf}/key.pem`, "-out", `${conf}/server.csr`]);
  fs.writeFileSync(`${conf}/san.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run([
    "x509",
    "-req",
    "-in",
    `${conf}/server.csr`,
    "-CA",
    `${conf}/ca.pem`,
    "-CAkey",
    `${conf}/ca.key`,
    "-CAcreateserial",
    "-days",
    "30",
    "-extfile",
    `${conf}/san.ext`,
    "-out",
    `${conf}/cert.pem`,
  ]);
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Dovecot did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a throwaway Dovecot; `extraConfig` is appended to its configuration (e.g. an OAuth2 passdb);
 * `users` adds mailboxes NAME@example.test (password "secret"); `lmtp` delivers over LMTP on `dir`/run/lmtp;
 * `masterUser` adds a Dovecot master user NAME (password MASTER_PASSWORD) that logs in to any mailbox as
 * `USER*NAME` (auth_master_user_separator = *), as shared/bench/imap-server.sh's MASTER_USER does;
 * `highPerformance` runs Dovecot's documented high-performance mode (login and imap processes reused
 * across connections, a few kept waiting) as a server that opens hundreds of sessions a minute is run.
 */
export async function startDovecot(
  options: {
    extraConfig?: string;
    authMechanisms?: string;
    users?: string[];
    lmtp?: boolean;
    masterUser?: string;
    highPerformance?: boolean;
  } = {},
): Promise<Dovecot> {
  const binary = dovecotBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-dovecot-"));
  fs.chmodSync(dir, 0o755);
  const conf = path.join(dir, "conf");
  const mail = path.join(dir, "mail");
  const run = path.join(dir, "run");
  for (const d of [conf, mail, run]) fs.mkdirSync(d, { recursive: true });
  makeCertificates(conf);
  const root = process.getuid?.() === 0;
  // Dovecot refuses to serve mail as root: as root, mail belongs to the unprivileged user vmail.
  if (root && spawnSync("id", ["vmail"]).status !== 0) execFileSync("useradd", ["-r", "-M", "-s", "/usr/sbin/nologin", "vmail"]);
  const uid = root ? Number(execFileSync("id", ["-u", "vmail"]).toString()) : process.getuid!();
  const gid = root ? Number(execFileSync("id", ["-g", "vmail"]).toString()) : process.getgid!();
  const me = os.userInfo().username;
  const home = path.join(mail, "analyst");
  const maildir = path.join(home, "Maildir");
  for (const d of ["cur", "new", "tmp"]) fs.mkdirSync(path.join(maildir, d), { recursive: true });
  if (root) execFileSync("chown", ["-R", `${uid}:${gid}`, mail]);
  const others = (options.users ?? []).map((name) => `${name}@example.test:{PLAIN}${PASSWORD}:${uid}:${gid}::${path.join(mail, name)}\n`);
  fs.writeFileSync(`${conf}/users`, `${USER}:{PLAIN}${PASSWORD}:${uid}:${gid}::${home}\n${others.join("")}`);
  const master = options.masterUser
    ? `auth_master_user_separator = *
passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN ${conf}/master-users
}
`
    : "";
  if (options.masterUser) fs.writeFileSync(`${conf}/master-users`, `${options.masterUser}:{PLAIN}${MASTER_PASSWORD}\n`);
  const [port, plainPort] = (await freePorts(2)) as [number, number];
  fs.writeFileSync(
    `${conf}/dovecot.conf`,
    `base_dir = ${run}
state_dir = ${run}/state
listen = 127.0.0.1
protocols = imap${options.lmtp ? " lmtp" : ""}
ssl = yes
ssl_cert = <${conf}/cert.pem
ssl_key = <${conf}/key.pem
disable_plaintext_auth = no
auth_mechanisms = ${options.authMechanisms ?? "plain login"}
mail_location = maildir:~/Maildir
${master}default_internal_user = ${root ? "dovecot" : me}
default_login_user = ${root ? "dovenull" : me}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${conf}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${conf}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${plainPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${port}
    ssl = yes
  }
${options.highPerformance ? "  service_count = 0\n  process_min_avail = 2\n" : ""}}
${options.highPerformance ? "service imap {\n  service_count = 100\n  process_min_avail = 4\n}\n" : ""}log_path = ${run}/dovecot.log
mail_max_userip_connections = 100
${options.lmtp ? "service lmtp {\n  unix_listener lmtp {\n    mode = 0666\n  }\n}\n" : ""}${options.extraConfig ?? ""}
`,
  );
  const start = async () => {
    // stdio ignored: the daemon keeps inherited pipes open, and execFileSync would wait on them.
    execFileSync(binary, ["-c", `${conf}/dovecot.conf`], { stdio: "ignore" });
    await waitForPort(port);
  };
  const stop = async () => {
    const pidFile = path.join(run, "master.pid");
    if (!fs.existsSync(pidFile)) return;
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const killImapSessions = () => {
    const master = Number(fs.readFileSync(path.join(run, "master.pid"), "utf8"));
    let killed = 0;
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (comm !== "imap" || ppid !== master) continue;
      try {
        process.kill(Number(entry), "SIGKILL");
        killed++;
      } catch {
        /* already gone */
      }
    }
    return killed;
  };
  await start();
  return {
    killImapSessions,
    dir,
    host: "localhost",
    port,
    caFile: `${conf}/ca.pem`,
    maildir,
    params: (extra = {}) => ({
      Username: USER,
      Password: PASSWORD,
      "IMAP Server Address": "localhost",
      "IMAP Port": port,
      "Folder to check for emails": "INBOX",
      ...extra,
    }),
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** An IMAP client of the test's own, to look at the mailbox (of `user`: the analyst's) from outside Intake. */
export async function withImap<T>(server: Dovecot, work: (client: ImapFlow) => Promise<T>, user = USER): Promise<T> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: server.port,
    secure: true,
    logger: false,
    auth: { user, pass: PASSWORD },
    tls: { ca: [fs.readFileSync(server.caFile)], servername: "localhost" },
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** APPENDs messages unread over IMAP (as a mail server delivers them). */
export async function appendMessages(server: Dovecot, messages: (string | Buffer)[], folder = "INBOX"): Promise<void> {
  await withImap(server, async (client) => {
    for (const message of messages) await client.append(folder, message, []);
  });
}

/** Writes messages straight into the Maildir's new/ (unread): fast for large mailboxes. */
export function deliverToMaildir(server: Dovecot, messages: (string | Buffer)[]): void {
  const root = process.getuid?.() === 0;
  messages.forEach((message, index) => {
    const file = path.join(server.maildir, "new", `${Date.now()}.M${index}P${process.pid}.intake-test`);
    fs.writeFileSync(file, message);
  });
  if (root) execFileSync("chown", ["-R", "vmail:vmail", server.maildir]);
}

export async function countUnread(server: Dovecot, folder = "INBOX"): Promise<number> {
  return withImap(server, async (client) => {
    const status = await client.status(folder, { unseen: true, messages: true });
    return status ? (status.unseen ?? 0) : 0;
  });
}

export async function markAllUnread(server: Dovecot, folder = "INBOX"): Promise<void> {
  await withImap(server, async (client) => {
    await client.mailboxOpen(folder);
    await client.messageFlagsRemove("1:*", ["\\Seen"]);
  });
}
