// The email connector's parameters, read once per run into typed settings; bad values are named.
import { RE2JS } from "re2js";
import { ParameterError, isTimeZone, type ConnectorExecution } from "intake/sdk";

export interface OAuth2Settings {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  scope: string;
}

export interface EmailSettings {
  host: string;
  port: number;
  username: string;
  password: string;
  folders: string[];
  unreadOnly: boolean;
  markAsRead: boolean;
  moveToFolder: string;
  attachOriginal: boolean;
  offsetDays: number;
  /** 0: no limit. */
  maxPerCycle: number;
  /** A proxy URL for imapflow: socks5://user:pass@host:port or http://… */
  proxy?: string;
  additionalHeaders: HeaderSelector;
  excludeSubject?: RE2JS;
  excludeBody?: RE2JS;
  environmentField: string;
  environmentPattern?: RE2JS;
  originalPrefix: string;
  attachedPrefix: string;
  separateAlertPerAttachedMail: boolean;
  serverTimeZone: string;
  allowedSenders: SenderAllowList;
  oauth2?: OAuth2Settings;
  push: boolean;
  /** With push: how often IDLE is renewed (ms), so that a server that holds its notices back reports at once; 0: plain push. */
  pushRecheckMs: number;
}

/** Splits a comma-separated list, trimming and dropping empty items. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Compiles an admin-written pattern with RE2 (linear time on attacker-written text). */
export function compilePattern(name: string, pattern: string): RE2JS | undefined {
  if (!pattern.trim()) return undefined;
  try {
    return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE | RE2JS.MULTILINE);
  } catch (error) {
    throw new ParameterError(`parameter "${name}": not a valid pattern (${(error as Error).message})`);
  }
}

/** Header names to copy onto the event: exact names, or prefixes written with a trailing "*". */
export class HeaderSelector {
  readonly #exact = new Set<string>();
  readonly #prefixes: string[] = [];
  constructor(spec: string) {
    for (const item of splitList(spec)) {
      const name = item.toLowerCase();
      if (name.endsWith("*")) this.#prefixes.push(name.slice(0, -1));
      else this.#exact.add(name);
    }
  }
  get empty(): boolean {
    return this.#exact.size === 0 && this.#prefixes.length === 0;
  }
  matches(headerName: string): boolean {
    const name = headerName.toLowerCase();
    return this.#exact.has(name) || this.#prefixes.some((prefix) => name.startsWith(prefix));
  }
}

/** Addresses ("a@b.com") and domains ("b.com", "@b.com") whose reports are accepted; empty: everyone. */
export class SenderAllowList {
  readonly #addresses = new Set<string>();
  readonly #domains = new Set<string>();
  constructor(spec: string) {
    for (const item of splitList(spec.toLowerCase())) {
      if (item.includes("@") && !item.startsWith("@")) this.#addresses.add(item);
      else this.#domains.add(item.replace(/^@/, ""));
    }
  }
  get empty(): boolean {
    return this.#addresses.size === 0 && this.#domains.size === 0;
  }
  allows(address: string): boolean {
    if (this.empty) return true;
    const lower = address.trim().toLowerCase();
    if (this.#addresses.has(lower)) return true;
    const domain = lower.slice(lower.lastIndexOf("@") + 1);
    // A domain also allows its subdomains: "example.com" allows "mail.example.com".
    for (const allowed of this.#domains) if (domain === allowed || domain.endsWith(`.${allowed}`)) return true;
    return false;
  }
}

function proxyUrl(address: string, username: string, password: string): string | undefined {
  if (!address.trim()) return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address.trim() : `http://${address.trim()}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ParameterError(
      `parameter "Proxy Server Address": not a proxy address (${JSON.stringify(address)}); ` +
        `use host:port, http://host:port or socks5://host:port`,
    );
  }
  if (!["http:", "socks:", "socks4:", "socks5:"].includes(url.protocol)) {
    throw new ParameterError(`parameter "Proxy Server Address": scheme ${url.protocol} is not supported (http, socks5)`);
  }
  if (username) url.username = encodeURIComponent(username);
  if (password) url.password = encodeURIComponent(password);
  return url.toString();
}

/** What reading the settings needs of an execution (a worker thread replays the values read). */
export type ParameterSource = Pick<ConnectorExecution, "extractConnectorParam">;

export function readSettings(execution: ParameterSource): EmailSettings {
  const param = (name: string, defaultValue = "") => execution.extractConnectorParam(name, { defaultValue });
  const flag = (name: string, defaultValue: boolean) => execution.extractConnectorParam(name, { inputType: "boolean", defaultValue });
  const integer = (name: string, defaultValue: number, min: number) => {
    const value = execution.extractConnectorParam(name, { inputType: "int", defaultValue });
    if (value < min) throw new ParameterError(`parameter "${name}" must be at least ${min}, got ${value}`);
    return value;
  };

  const port = execution.extractConnectorParam("IMAP Port", { isMandatory: true, inputType: "int", defaultValue: 993, printValue: true });
  if (port < 1 || port > 65535) throw new ParameterError(`parameter "IMAP Port" must be between 1 and 65535, got ${port}`);
  const clientId = param("OAuth2 Client ID");
  const password = execution.extractConnectorParam("Password", { inputType: "password", ...(clientId ? {} : { isMandatory: true }) });
  const serverTimeZone = param("Server Time Zone", "UTC");
  if (!isTimeZone(serverTimeZone))
    throw new ParameterError(
      `parameter "Server Time Zone": unknown time zone ${JSON.stringify(serverTimeZone)} (use an IANA name such as UTC or Asia/Seoul)`,
    );
  const environmentPattern = compilePattern("Environment Regex Pattern", param("Environment Regex Pattern"));
  const proxy = proxyUrl(
    param("Proxy Server Address"),
    param("Proxy Username"),
    execution.extractConnectorParam("Proxy Password", { inputType: "password", defaultValue: "" }),
  );

  const settings: EmailSettings = {
    host: execution.extractConnectorParam("IMAP Server Address", { isMandatory: true, printValue: true }),
    port,
    username: execution.extractConnectorParam("Username", { isMandatory: true, printValue: true }),
    password,
    folders: splitList(execution.extractConnectorParam("Folder to check for emails", { defaultValue: "INBOX", printValue: true })),
    unreadOnly: flag("Unread Emails Only", true),
    markAsRead: flag("Mark Emails as Read", true),
    moveToFolder: param("Move Emails To Folder"),
    attachOriginal: flag("Attach Original EML", true),
    offsetDays: integer("Offset Time In Days", 5, 0),
    maxPerCycle: integer("Max Emails Per Cycle", 0, 0),
    ...(proxy ? { proxy } : {}),
    additionalHeaders: new HeaderSelector(param("Additional headers to extract from emails")),
    environmentField: param("Environment Field Name"),
    originalPrefix: param("Original Received Mail Prefix", "orig"),
    attachedPrefix: param("Attached Mail File Prefix", "attach"),
    separateAlertPerAttachedMail: flag("Create a Separate Alert per Attached Mail File?", false),
    serverTimeZone,
    allowedSenders: new SenderAllowList(param("Allowed Senders")),
    push: flag("Push On New Mail", false),
    pushRecheckMs: integer("Push Recheck Milliseconds", 0, 0),
  };
  if (settings.pushRecheckMs !== 0 && (settings.pushRecheckMs < 100 || settings.pushRecheckMs > 240_000)) {
    throw new ParameterError(`parameter "Push Recheck Milliseconds" must be 0 or between 100 and 240000, got ${settings.pushRecheckMs}`);
  }
  const excludeSubject = compilePattern("Exclusion Subject Regex", param("Exclusion Subject Regex"));
  const excludeBody = compilePattern("Exclusion Body Regex", param("Exclusion Body Regex"));
  if (excludeSubject) settings.excludeSubject = excludeSubject;
  if (excludeBody) settings.excludeBody = excludeBody;
  if (environmentPattern) settings.environmentPattern = environmentPattern;
  if (settings.folders.length === 0) settings.folders = ["INBOX"];
  if (clientId) {
    const tokenUrl = param("OAuth2 Token URL");
    if (!/^https?:\/\//i.test(tokenUrl))
      throw new ParameterError(`parameter "OAuth2 Token URL" is required with "OAuth2 Client ID" (the provider's token endpoint)`);
    const clientSecret = execution.extractConnectorParam("OAuth2 Client Secret", { inputType: "password", defaultValue: "" });
    const refreshToken = execution.extractConnectorParam("OAuth2 Refresh Token", { inputType: "password", defaultValue: "" });
    if (!clientSecret && !refreshToken)
      throw new ParameterError(`OAuth2 needs "OAuth2 Client Secret" (client credentials) or "OAuth2 Refresh Token"`);
    settings.oauth2 = { tokenUrl, clientId, clientSecret, refreshToken, scope: param("OAuth2 Scope") };
  }
  return settings;
}

/** The alert's environment: the pattern's first group (or whole match) in the named event field. */
export function environmentOf(settings: EmailSettings, event: Record<string, unknown>): string {
  if (!settings.environmentField) return "";
  const value = event[settings.environmentField];
  const text = Array.isArray(value) ? value.join(",") : value === undefined || value === null ? "" : String(value);
  if (!settings.environmentPattern) return text.slice(0, 200);
  const matcher = settings.environmentPattern.matcher(text.slice(0, 10_000));
  if (!matcher.find()) return "";
  return (matcher.groupCount() > 0 ? matcher.group(1) : matcher.group(0))?.slice(0, 200) ?? "";
}

/** Why a message is excluded by the admin's patterns, or undefined when it is not. */
export function exclusionReason(settings: EmailSettings, subject: string, body: string): string | undefined {
  if (settings.excludeSubject?.matcher(subject.slice(0, 10_000)).find()) return "its subject matches the Exclusion Subject Regex";
  if (settings.excludeBody?.matcher(body.slice(0, 1_000_000)).find()) return "its body matches the Exclusion Body Regex";
  return undefined;
}
