// Sending one message over SMTP with nodemailer, with the email integration's parameters (docs/interfaces.md):
// STARTTLS (certificate verified) by default, implicit TLS, or none for a relay on loopback.
import net from "node:net";
import os from "node:os";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { SmtpFailed, SmtpNotConfigured } from "../errors.js";
import { findIntegration, integrationConfiguration } from "../catalog/index.js";
import type { Store } from "../store/index.js";
import { EMAIL_ADDRESS_PATTERN } from "../../sdk/action.js";

export const SMTP_SECURITY = ["starttls", "tls", "none"] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  username?: string;
  password?: string;
  sender: string;
}

/** Bounds of one SMTP conversation: a live sender never holds a row longer than the outbox's lease. */
const CONNECT_MS = 15_000;
const SOCKET_MS = 30_000;

/** Whether a host names this machine's loopback: the only place a password may travel unencrypted. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (net.isIPv4(bare)) return bare.startsWith("127.");
  if (net.isIPv6(bare)) {
    if (bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped !== null && mapped[1]!.startsWith("127.");
  }
  return false;
}

/**
 * SMTP_NOT_CONFIGURED unless a password would travel encrypted: AUTH needs STARTTLS or implicit TLS,
 * except to a relay on loopback (nothing on the wire to read). Checked before any connection is made.
 */
export function checkAuthTransport(settings: Pick<SmtpSettings, "host" | "security" | "username">): void {
  if (settings.username && settings.security === "none" && !isLoopbackHost(settings.host)) {
    throw new SmtpNotConfigured(
      `"SMTP Security" none with "SMTP Username" would send the password unencrypted to ${settings.host}: ` +
        `use starttls or tls (none only for a relay on loopback)`,
    );
  }
}

/** The email integration's SMTP parameters, checked; SMTP_NOT_CONFIGURED names the one missing or wrong. */
export async function smtpSettings(store: Store): Promise<SmtpSettings> {
  const { values } = await integrationConfiguration(store, await findIntegration(store, "email"));
  const text = (name: string) => (values[name] === undefined || values[name] === null ? "" : String(values[name]).trim());
  const host = text("SMTP Server Address");
  if (!host) throw new SmtpNotConfigured(`"SMTP Server Address" is not set`);
  const security = (text("SMTP Security") || "starttls").toLowerCase();
  if (!(SMTP_SECURITY as readonly string[]).includes(security))
    throw new SmtpNotConfigured(`"SMTP Security" must be starttls, tls or none, not ${JSON.stringify(security.slice(0, 50))}`);
  const port = Number(text("SMTP Port") || (security === "tls" ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new SmtpNotConfigured(`"SMTP Port" must be 1 to 65535, not ${JSON.stringify(text("SMTP Port").slice(0, 50))}`);
  const sender = text("Sender Address");
  if (!EMAIL_ADDRESS_PATTERN.test(sender))
    throw new SmtpNotConfigured(
      sender ? `"Sender Address" must be one address, not ${JSON.stringify(sender.slice(0, 100))}` : `"Sender Address" is not set`,
    );
  const username = text("SMTP Username");
  const password = values["SMTP Password"] === undefined ? "" : String(values["SMTP Password"]);
  const settings: SmtpSettings = { host, port, security: security as SmtpSecurity, sender, ...(username ? { username, password } : {}) };
  checkAuthTransport(settings);
  return settings;
}

export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  inReplyTo: string | null;
  references: string[];
  language: string | null;
  messageId: string;
}

/** The message as sent: the reply marked automatic (RFC 3834) so that auto-responders do not answer it. */
export function composeMessage(settings: SmtpSettings, message: OutgoingMessage): Promise<Buffer> {
  const composer = new MailComposer({
    from: settings.sender,
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html ? { html: message.html } : {}),
    messageId: message.messageId,
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
    ...(message.references.length ? { references: message.references } : {}),
    headers: { "Auto-Submitted": "auto-replied", ...(message.language ? { "Content-Language": message.language } : {}) },
  });
  return new Promise((resolve, reject) => composer.compile().build((error, built) => (error ? reject(error) : resolve(built))));
}

/** A Message-ID of the sender's domain, derived from the outbox row's key: the same for every attempt. */
export function messageIdFor(settings: Pick<SmtpSettings, "sender">, token: string): string {
  return `<${token}@${settings.sender.split("@")[1] ?? os.hostname()}>`;
}

export interface SmtpOutcome {
  response: string;
}

/** An SMTP failure: permanent (5xx) or worth trying again (4xx, network, TLS). */
export class SmtpAttemptError extends SmtpFailed {
  readonly permanent: boolean;
  constructor(where: string, message: string, permanent: boolean) {
    super(where, message);
    this.permanent = permanent;
  }
}

function failure(settings: SmtpSettings, error: SMTPConnection.SMTPError | undefined | null): SmtpAttemptError {
  const where = `${settings.host}:${settings.port}`;
  const code = error?.responseCode;
  const text = (error?.response ?? error?.message ?? "failed").slice(0, 500);
  // An authentication refusal is the configuration's, not this message's: it is tried again once fixed.
  const permanent = code !== undefined && code >= 500 && code < 600 && error?.code !== "EAUTH";
  return new SmtpAttemptError(where, `${error?.command ? `${error.command}: ` : ""}${text}`, permanent);
}

/** One SMTP connection, signed in, that may carry several messages in turn (RSET between them). */
class OpenConnection {
  readonly connection: SMTPConnection;
  /** Set once the connection has failed or closed: it is not used again. */
  closed = false;
  /** The step under way's rejection: nodemailer reports a dropped socket as an event, not to the callback. */
  #broken: ((error: SMTPConnection.SMTPError) => void) | undefined;

  constructor(settings: SmtpSettings) {
    this.connection = new SMTPConnection({
      host: settings.host,
      port: settings.port,
      secure: settings.security === "tls",
      requireTLS: settings.security === "starttls",
      ignoreTLS: settings.security === "none",
      // The certificate is checked against Node's store and NODE_EXTRA_CA_CERTS, for the name configured.
      tls: { rejectUnauthorized: true, servername: settings.host },
      connectionTimeout: CONNECT_MS,
      greetingTimeout: CONNECT_MS,
      socketTimeout: SOCKET_MS,
      logger: false,
    });
    const fail = (error: SMTPConnection.SMTPError) => {
      this.closed = true;
      this.#broken?.(error);
    };
    this.connection.on("error", fail);
    this.connection.on("end", () => fail(new Error("the server closed the connection")));
  }

  step<T>(start: (done: (error: SMTPConnection.SMTPError | null | undefined, value?: T) => void) => void): Promise<T> {
    if (this.closed) return Promise.reject(new Error("the server closed the connection"));
    return new Promise<T>((resolve, reject) => {
      this.#broken = reject;
      start((error, value) => {
        this.#broken = undefined;
        if (error) reject(error);
        else resolve(value as T);
      });
    });
  }

  end(): void {
    this.closed = true;
    this.#broken = undefined;
    this.connection.quit();
    this.connection.close();
  }
}

/** What a kept connection was opened with: another configuration opens another. */
const settingsKey = (settings: SmtpSettings) =>
  JSON.stringify([settings.host, settings.port, settings.security, settings.username, settings.password]);

/**
 * The outbox sender's connection, kept open between messages (as nodemailer's pool does) so that a reply
 * does not wait for a new connection, TLS and sign-in; closed after IDLE_MS without a message.
 */
export class SmtpConnectionCache {
  static readonly IDLE_MS = 20_000;
  #kept: { key: string; open: OpenConnection; timer: NodeJS.Timeout } | undefined;

  /** The kept connection for these settings, if it is still open; the caller owns it until `keep`. */
  take(settings: SmtpSettings): OpenConnection | undefined {
    const kept = this.#kept;
    this.#kept = undefined;
    if (!kept) return undefined;
    clearTimeout(kept.timer);
    if (kept.key === settingsKey(settings) && !kept.open.closed) return kept.open;
    kept.open.end();
    return undefined;
  }

  keep(settings: SmtpSettings, open: OpenConnection): void {
    this.close();
    const timer = setTimeout(() => this.close(), SmtpConnectionCache.IDLE_MS);
    timer.unref();
    this.#kept = { key: settingsKey(settings), open, timer };
  }

  close(): void {
    const kept = this.#kept;
    this.#kept = undefined;
    if (!kept) return;
    clearTimeout(kept.timer);
    kept.open.end();
  }
}

/** A new connection, secured and signed in. */
async function openConnection(settings: SmtpSettings): Promise<OpenConnection> {
  const open = new OpenConnection(settings);
  try {
    await open.step<void>((done) => open.connection.connect((error) => done(error)));
    if (settings.username)
      await open.step<void>((done) =>
        open.connection.login({ user: settings.username!, pass: settings.password ?? "" }, (error) => done(error)),
      );
    return open;
  } catch (error) {
    open.end();
    throw error;
  }
}

/**
 * A connection ready for the next envelope: the kept one when the server still answers RSET, else a new
 * one. Nothing of the message has been handed over yet, so a kept connection that died is simply replaced.
 */
async function readyConnection(settings: SmtpSettings, cache: SmtpConnectionCache | undefined): Promise<OpenConnection> {
  const kept = cache?.take(settings);
  if (kept) {
    try {
      await kept.step<void>((done) => kept.connection.reset((error) => done(error)));
      return kept;
    } catch {
      kept.end();
    }
  }
  return openConnection(settings);
}

/**
 * Sends one message to one recipient (the envelope names only them). `beforeData` runs once the server
 * is connected, secured and signed in, just before the envelope and message are handed over: the point
 * past which the server may hold the message. With a cache, the connection is kept for the next message.
 */
export async function sendMessage(
  settings: SmtpSettings,
  message: OutgoingMessage,
  beforeData: () => Promise<void>,
  cache?: SmtpConnectionCache,
): Promise<SmtpOutcome> {
  checkAuthTransport(settings);
  const raw = await composeMessage(settings, message);
  let open: OpenConnection | undefined;
  try {
    open = await readyConnection(settings, cache);
    const ready = open;
    await beforeData();
    const info = await ready.step<SMTPConnection.SentMessageInfo>((done) =>
      ready.connection.send({ from: settings.sender, to: [message.to] }, raw, (error, sent) => done(error, sent)),
    );
    if (info.accepted.length === 0)
      throw Object.assign(new Error(`recipient refused: ${info.response}`), { responseCode: 550, response: info.response });
    if (cache) cache.keep(settings, ready);
    else ready.end();
    open = undefined;
    return { response: info.response.slice(0, 500) };
  } catch (error) {
    throw failure(settings, error as SMTPConnection.SMTPError);
  } finally {
    open?.end();
  }
}
