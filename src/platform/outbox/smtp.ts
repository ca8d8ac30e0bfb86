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
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
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
    throw new SmtpNotConfigured(`"SMTP Security" none with "SMTP Username" would send the password unencrypted to ${settings.host}: use starttls or tls (none only for a relay on loopback)`);
  }
}

/** The email integration's SMTP parameters, checked; SMTP_NOT_CONFIGURED names the one missing or wrong. */
export async function smtpSettings(store: Store): Promise<SmtpSettings> {
  const { values } = await integrationConfiguration(store, await findIntegration(store, "email"));
  const text = (name: string) => (values[name] === undefined || values[name] === null ? "" : String(values[name]).trim());
  const host = text("SMTP Server Address");
  if (!host) throw new SmtpNotConfigured(`"SMTP Server Address" is not set`);
  const security = (text("SMTP Security") || "starttls").toLowerCase();
  if (!(SMTP_SECURITY as readonly string[]).includes(security)) throw new SmtpNotConfigured(`"SMTP Security" must be starttls, tls or none, not ${JSON.stringify(security.slice(0, 50))}`);
  const port = Number(text("SMTP Port") || (security === "tls" ? 465 : 587));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SmtpNotConfigured(`"SMTP Port" must be 1 to 65535, not ${JSON.stringify(text("SMTP Port").slice(0, 50))}`);
  const sender = text("Sender Address");
  if (!EMAIL_ADDRESS_PATTERN.test(sender)) throw new SmtpNotConfigured(sender ? `"Sender Address" must be one address, not ${JSON.stringify(sender.slice(0, 100))}` : `"Sender Address" is not set`);
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

/**
 * Sends one message to one recipient (the envelope names only them). `beforeData` runs once the server
 * is connected, secured and signed in, just before the envelope and message are handed over: the point
 * past which the server may hold the message.
 */
export async function sendMessage(settings: SmtpSettings, message: OutgoingMessage, beforeData: () => Promise<void>): Promise<SmtpOutcome> {
  checkAuthTransport(settings);
  const raw = await composeMessage(settings, message);
  const connection = new SMTPConnection({
    host: settings.host, port: settings.port,
    secure: settings.security === "tls",
    requireTLS: settings.security === "starttls",
    ignoreTLS: settings.security === "none",
    // The certificate is checked against Node's store and NODE_EXTRA_CA_CERTS, for the name configured.
    tls: { rejectUnauthorized: true, servername: settings.host },
    connectionTimeout: CONNECT_MS, greetingTimeout: CONNECT_MS, socketTimeout: SOCKET_MS,
    logger: false,
  });
  // nodemailer reports a refused connection or a dropped socket as an "error" event, not to the callback
  // under way: every step also ends when the connection fails or closes.
  let broken: ((error: SMTPConnection.SMTPError) => void) | undefined;
  connection.on("error", (error: SMTPConnection.SMTPError) => broken?.(error));
  connection.on("end", () => broken?.(new Error("the server closed the connection")));
  const step = <T>(start: (done: (error: SMTPConnection.SMTPError | null | undefined, value?: T) => void) => void) => new Promise<T>((resolve, reject) => {
    broken = reject;
    start((error, value) => (error ? reject(error) : resolve(value as T)));
  });
  try {
    await step<void>((done) => connection.connect((error) => done(error)));
    if (settings.username) await step<void>((done) => connection.login({ user: settings.username!, pass: settings.password ?? "" }, (error) => done(error)));
    await beforeData();
    const info = await step<SMTPConnection.SentMessageInfo>((done) => connection.send({ from: settings.sender, to: [message.to] }, raw, (error, sent) => done(error, sent)));
    if (info.accepted.length === 0) throw Object.assign(new Error(`recipient refused: ${info.response}`), { responseCode: 550, response: info.response });
    broken = undefined;
    return { response: info.response.slice(0, 500) };
  } catch (error) {
    broken = undefined;
    throw failure(settings, error as SMTPConnection.SMTPError);
  } finally {
    connection.quit();
    connection.close();
  }
}
