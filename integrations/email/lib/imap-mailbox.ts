// One IMAP folder over TLS (imapflow): unread UIDs, raw messages by UID with BODY.PEEK[], \Seen by UID ranges.
import { createRequire } from "node:module";
import type { FetchMessageObject, ImapFlow as ImapFlowClient } from "imapflow";
import { ConnectorError, type ConnectorLogger } from "intake/sdk";
import { toSequenceSet } from "./uid-set.js";

// imapflow through its CommonJS build: it loads faster than its ES build, and every run of the
// connector starts by loading it.
const { ImapFlow } = createRequire(import.meta.url)("imapflow") as typeof import("imapflow");
type ImapFlow = ImapFlowClient;

export interface MailboxSettings {
  host: string;
  port: number;
  username: string;
  /** Password login; or, with `accessToken`, an OAuth2 (XOAUTH2) login. */
  password?: string;
  /** Gives an OAuth2 access token; `force` after the server refused the last one. */
  accessToken?: (force: boolean) => Promise<string>;
  /** socks5://… or http://… (CONNECT): the IMAP connection goes through this proxy. */
  proxy?: string;
  folder: string;
  /** Test runs open the folder read-only (EXAMINE): the server itself then refuses any flag change. */
  readOnly: boolean;
  /** A connection that waits in IMAP IDLE for new mail (push). */
  idle?: boolean;
  /** With idle: renew IDLE this often (ms) instead of every 4 minutes. */
  idleRenewMs?: number;
  logger: ConnectorLogger;
}

export interface RawMessage {
  uid: number;
  source: Buffer;
  internalDate?: Date;
}

const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "UNABLE_TO_GET_ISSUER_CERT",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

/** Turns what imapflow or the socket threw into one line an operator can act on. */
export function describeImapError(
  error: unknown,
  settings: Pick<MailboxSettings, "host" | "port" | "username" | "folder">,
): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const err = (error ?? {}) as {
    code?: string;
    message?: string;
    authenticationFailed?: boolean;
    tlsFailed?: boolean;
    responseText?: string;
    mailboxMissing?: boolean;
    serverResponseCode?: string;
  };
  const where = `${settings.host}:${settings.port}`;
  const cause = { cause: error };
  if (err.authenticationFailed || err.serverResponseCode === "AUTHENTICATIONFAILED") {
    return new ConnectorError(
      "IMAP_AUTH",
      `login refused for ${settings.username} at ${where}${err.responseText ? ` (server said: ${err.responseText.slice(0, 200)})` : ""}`,
      cause,
    );
  }
  const code = err.code ?? "";
  if (code === "EPROXY" || code === "ProxyError" || code === "UnsupportedProxyAddress") {
    return new ConnectorError("IMAP_PROXY", `the proxy refused or failed the connection to ${where}: ${err.message ?? code}`, cause);
  }
  if (err.tlsFailed || TLS_CODES.has(code) || /certificate|ssl|tls/i.test(err.message ?? "")) {
    return new ConnectorError(
      "IMAP_TLS",
      `TLS with ${where} failed: ${code ? `${code}, ` : ""}${err.message ?? "handshake failed"} ` +
        `(a private CA is trusted through NODE_EXTRA_CA_CERTS)`,
      cause,
    );
  }
  if (code === "ECONNREFUSED") return new ConnectorError("IMAP_CONNECT", `cannot reach ${where}: connection refused`, cause);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ConnectorError("IMAP_CONNECT", `cannot resolve the host name ${settings.host}`, cause);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return new ConnectorError("IMAP_CONNECT", `cannot reach ${where}: no route to host`, cause);
  if (/TIMEOUT/i.test(code)) return new ConnectorError("IMAP_TIMEOUT", `${where} did not answer in time (${code})`, cause);
  if (err.mailboxMissing || err.serverResponseCode === "NONEXISTENT") {
    return new ConnectorError("IMAP_FOLDER", `folder "${settings.folder}" does not exist for ${settings.username}`, cause);
  }
  if (code === "NoConnection" || code === "EConnectionClosed" || code === "ECONNRESET" || code === "EPIPE") {
    return new ConnectorError("IMAP_CONNECTION_LOST", `the connection to ${where} was lost (${code})`, cause);
  }
  return new ConnectorError("IMAP_ERROR", `${where}: ${err.responseText ?? err.message ?? String(error)}`, cause);
}

export class ImapMailbox {
  readonly #client: ImapFlow;
  readonly #settings: MailboxSettings;
  /** The first error the client emitted on its own (a dropped socket): reported by the next call. */
  #failure: unknown;
  path = "";
  uidValidity = "";
  /** The UID the next message delivered to the folder will get. */
  uidNext = 0;

  private constructor(client: ImapFlow, settings: MailboxSettings) {
    this.#client = client;
    this.#settings = settings;
  }

  static async open(settings: MailboxSettings): Promise<ImapMailbox> {
    try {
      return await ImapMailbox.#connect(settings, false);
    } catch (error) {
      // An OAuth2 token can be refused before its announced expiry (revoked, rotated): fetch a new one once.
      if (settings.accessToken && error instanceof ConnectorError && error.code === "IMAP_AUTH")
        return ImapMailbox.#connect(settings, true);
      throw error;
    }
  }

  static async #connect(settings: MailboxSettings, freshToken: boolean): Promise<ImapMailbox> {
    const implicitTls = settings.port !== 143;
    const auth = settings.accessToken
      ? { user: settings.username, accessToken: await settings.accessToken(freshToken) }
      : { user: settings.username, pass: settings.password ?? "" };
    const client = new ImapFlow({
      host: settings.host,
      port: settings.port,
      secure: implicitTls,
      // On port 143 STARTTLS is required: the password never crosses the wire in clear.
      doSTARTTLS: implicitTls ? undefined : true,
      auth,
      ...(settings.proxy ? { proxy: settings.proxy } : {}),
      logger: false,
      disableAutoIdle: true,
      // IDLE is renewed every 4 minutes: servers and middleboxes drop sessions idle for longer. Sooner when
      // asked: a server tells of new mail when IDLE starts, where Dovecot otherwise waits 500 ms after a change.
      ...(settings.idle ? { maxIdleTime: settings.idleRenewMs || 240_000 } : {}),
      tls: { rejectUnauthorized: true, minVersion: "TLSv1.2" },
      connectionTimeout: 30_000,
      greetingTimeout: 15_000,
      socketTimeout: 300_000,
    });
    const mailbox = new ImapMailbox(client, settings);
    // Without a listener an 'error' event would end the process; keep it for the next call to report.
    client.on("error", (error: unknown) => {
      mailbox.#failure ??= error;
      settings.logger.warn(`IMAP connection error: ${describeImapError(error, settings).toLine()}`);
    });
    try {
      await client.connect();
      mailbox.path = await mailbox.#resolveFolder(settings.folder);
      const opened = await client.mailboxOpen(mailbox.path, { readOnly: settings.readOnly });
      mailbox.uidValidity = String(opened.uidValidity);
      mailbox.uidNext = Number(opened.uidNext ?? 0);
    } catch (error) {
      await client.logout().catch(() => client.close());
      throw describeImapError(error, settings);
    }
    return mailbox;
  }

  /** The folder's real path, matched case-insensitively ("Inbox" finds "INBOX"). */
  async #resolveFolder(wanted: string): Promise<string> {
    const name = wanted.trim() || "INBOX";
    if (name.toUpperCase() === "INBOX") return "INBOX";
    const folders = await this.#client.list();
    const exact = folders.find((f) => f.path === name);
    if (exact) return exact.path;
    const folded = folders.find((f) => f.path.toLowerCase() === name.toLowerCase());
    if (folded) return folded.path;
    const known = folders
      .map((f) => f.path)
      .slice(0, 20)
      .join(", ");
    throw new ConnectorError("IMAP_FOLDER", `folder "${name}" does not exist for ${this.#settings.username} (folders: ${known})`);
  }

  #check(): void {
    if (this.#failure) throw describeImapError(this.#failure, this.#settings);
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    this.#check();
    try {
      return await work();
    } catch (error) {
      throw describeImapError(this.#failure ?? error, this.#settings);
    }
  }

  /** UIDs of the unread messages, ascending. */
  async unreadUids(): Promise<number[]> {
    return this.uidsMatching({ unreadOnly: true });
  }

  /**
   * UIDs matching, ascending: unread ones (or all), received since a date (INTERNALDATE, by day as
   * IMAP SEARCH SINCE is), or before it, above a UID.
   */
  async uidsMatching(query: { unreadOnly: boolean; since?: Date; before?: Date; uidAbove?: number }): Promise<number[]> {
    const criteria: Record<string, unknown> = {};
    if (query.unreadOnly) criteria.seen = false;
    if (query.since) criteria.since = query.since;
    if (query.before) criteria.before = query.before;
    if (query.uidAbove !== undefined) criteria.uid = `${query.uidAbove + 1}:*`;
    if (Object.keys(criteria).length === 0) criteria.all = true;
    const uids = await this.#call(() => this.#client.search(criteria, { uid: true }));
    // "N:*" always matches the last message, even below N: keep only what is really above.
    return (uids || []).filter((uid) => query.uidAbove === undefined || uid > query.uidAbove).sort((a, b) => a - b);
  }

  /** Moves these UIDs to another folder (after their cases are stored). */
  async moveTo(uids: number[], folder: string): Promise<void> {
    if (uids.length === 0) return;
    const target = await this.#call(() => this.#resolveFolder(folder));
    await this.#call(() => this.#client.messageMove(toSequenceSet(uids), target, { uid: true }));
  }

  /** Raw messages of these UIDs in one pipelined UID FETCH (BODY.PEEK[]: nothing is marked read). */
  async *fetchRaw(uids: number[]): AsyncGenerator<RawMessage> {
    if (uids.length === 0) return;
    this.#check();
    try {
      const messages = this.#client.fetch(toSequenceSet(uids), { uid: true, source: true, internalDate: true }, { uid: true });
      for await (const message of messages as AsyncIterable<FetchMessageObject>) {
        if (!message.source) continue;
        const internalDate =
          message.internalDate instanceof Date ? message.internalDate : message.internalDate ? new Date(message.internalDate) : undefined;
        yield {
          uid: message.uid,
          source: message.source,
          ...(internalDate && !Number.isNaN(internalDate.getTime()) ? { internalDate } : {}),
        };
      }
    } catch (error) {
      throw describeImapError(this.#failure ?? error, this.#settings);
    }
  }

  /** Marks these UIDs \Seen, by ranges, in one command. */
  async markSeen(uids: number[]): Promise<void> {
    if (uids.length === 0) return;
    // .SILENT: the server does not answer with every message's new flags (a FETCH response per
    // message, 10,000 of them for a backlog, each parsed for a 'flags' event nothing listens to).
    await this.#call(() => this.#client.messageFlagsAdd(toSequenceSet(uids), ["\\Seen"], { uid: true, silent: true }));
  }

  /**
   * Waits in IMAP IDLE and calls `onNewMail` whenever the folder grows. Never resolves: rejects
   * (IMAP_CONNECTION_LOST) when the connection ends, for the caller to reconnect.
   */
  async watch(onNewMail: (count: number) => void): Promise<never> {
    this.#check();
    const client = this.#client;
    client.on("exists", (event: { count: number; prevCount: number }) => {
      if (event.count > event.prevCount) onNewMail(event.count - event.prevCount);
    });
    return new Promise<never>((_, reject) => {
      const lost = () =>
        reject(describeImapError(this.#failure ?? Object.assign(new Error("closed"), { code: "EConnectionClosed" }), this.#settings));
      client.once("close", lost);
      void (async () => {
        // idle() returns when IDLE is broken off (maxIdleTime, another command): go back into it.
        while (client.usable) await client.idle().catch(() => undefined);
        lost();
      })();
    });
  }

  async close(): Promise<void> {
    try {
      await this.#client.logout();
    } catch {
      this.#client.close();
    }
  }
}
