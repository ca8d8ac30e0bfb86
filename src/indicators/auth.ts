// Authentication-Results (RFC 8601): the SPF, DKIM, DMARC and SMTP AUTH verdicts of each header, with the
// authserv-id that wrote it, read by a bounded scanner (no regex on the header), and which header to believe.

export interface AuthVerdicts {
  spf?: string;
  dkim?: string;
  dmarc?: string;
  /** The authserv-id: which server judged. */
  server?: string;
}

/** One Authentication-Results header, read. */
export interface AuthResult {
  /** "" when the header has none (Microsoft 365 writes "spf=pass ...; dkim=..." first). */
  authservId: string;
  spf?: string;
  /** smtp.mailfrom's domain (or smtp.helo's when no mailfrom). */
  spfDomain?: string;
  /** "pass" if any signature passed, else the first result. */
  dkim?: string;
  /** header.d (or header.i's domain) of the passing signatures. */
  dkimDomains?: string[];
  dmarc?: string;
  /** header.from. */
  dmarcDomain?: string;
  /** RFC 8601 "auth" method (SMTP AUTH at our MX). */
  auth?: string;
  /** smtp.auth. */
  authUser?: string;
}

/** Characters of one header read; a longer one is cut. */
const MAX_HEADER = 10_000;
/** Headers read per message. */
export const MAX_AUTH_RESULTS = 20;
/** Method results read per header, and DKIM domains kept. */
const MAX_RESULTS = 50;
const MAX_DKIM_DOMAINS = 10;
const MAX_VALUE = 255;

/**
 * The header without its comments ("(...)", nested, with backslash escapes) and with quoted strings
 * unquoted; one pass.
 */
function withoutComments(text: string): string {
  let out = "";
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && (depth > 0 || quoted)) {
      if (depth === 0) out += text[i + 1] ?? "";
      i++;
      continue;
    }
    if (quoted) {
      if (ch === '"') quoted = false;
      else out += ch;
      continue;
    }
    if (ch === "(") {
      depth++;
      out += " ";
      continue;
    }
    if (depth > 0) {
      if (ch === ")") depth--;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      continue;
    }
    out += ch === "\t" || ch === "\r" || ch === "\n" ? " " : ch;
  }
  return out;
}

/** Whitespace-separated tokens with "a = b" joined to "a=b". */
function tokensOf(part: string): string[] {
  const raw = part.split(" ").filter(Boolean);
  const out: string[] = [];
  for (const token of raw) {
    const last = out[out.length - 1];
    if (last !== undefined && (token.startsWith("=") || last.endsWith("="))) out[out.length - 1] = last + token;
    else out.push(token);
  }
  return out;
}

/** The domain of "user@domain" or "@domain", else the value itself. */
function domainOf(value: string): string {
  const at = value.lastIndexOf("@");
  return (at >= 0 ? value.slice(at + 1) : value).toLowerCase();
}

function bounded(value: string): string {
  return value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value;
}

/** One Authentication-Results header value, read as RFC 8601 writes it. */
export function parseAuthenticationResult(value: string): AuthResult {
  const text = withoutComments(value.length > MAX_HEADER ? value.slice(0, MAX_HEADER) : value);
  const parts = text.split(";");
  const result: AuthResult = { authservId: "" };
  // The first part is "authserv-id [version]", unless its first token is already "method=result".
  const first = tokensOf(parts[0] ?? "");
  let start = 0;
  if (first[0] && !first[0].includes("=")) {
    result.authservId = bounded(first[0]);
    start = 1;
  }
  let heloDomain: string | undefined;
  const passingDkim: string[] = [];
  for (const part of parts.slice(start, start + MAX_RESULTS)) {
    const tokens = tokensOf(part);
    const head = tokens[0] ?? "";
    const eq = head.indexOf("=");
    if (eq <= 0) continue;
    // "dkim/1=pass": a method may carry a version.
    const method = head.slice(0, eq).split("/")[0]!.toLowerCase();
    const verdict = bounded(head.slice(eq + 1).toLowerCase());
    if (!verdict) continue;
    const properties = new Map<string, string>();
    for (const token of tokens.slice(1, 40)) {
      const at = token.indexOf("=");
      // ptype.property=value (smtp.mailfrom, header.d…); "reason=…" and others are no property.
      if (at <= 0 || !token.slice(0, at).includes(".")) continue;
      const key = token.slice(0, at).toLowerCase();
      if (!properties.has(key)) properties.set(key, bounded(token.slice(at + 1)));
    }
    if (method === "spf") {
      if (result.spf !== undefined) continue;
      result.spf = verdict;
      const mailfrom = properties.get("smtp.mailfrom");
      const helo = properties.get("smtp.helo");
      if (mailfrom) result.spfDomain = domainOf(mailfrom);
      else if (helo) heloDomain = domainOf(helo);
    } else if (method === "dkim") {
      if (result.dkim === undefined || (verdict === "pass" && result.dkim !== "pass")) result.dkim = verdict;
      const domain = properties.get("header.d") ?? (properties.has("header.i") ? domainOf(properties.get("header.i")!) : undefined);
      if (verdict === "pass" && domain && passingDkim.length < MAX_DKIM_DOMAINS && !passingDkim.includes(domain.toLowerCase()))
        passingDkim.push(domain.toLowerCase());
    } else if (method === "dmarc") {
      if (result.dmarc !== undefined) continue;
      result.dmarc = verdict;
      const from = properties.get("header.from");
      if (from) result.dmarcDomain = domainOf(from);
    } else if (method === "auth") {
      if (result.auth !== undefined) continue;
      result.auth = verdict;
      const user = properties.get("smtp.auth");
      if (user) result.authUser = user;
    }
  }
  if (result.spf !== undefined && result.spfDomain === undefined && heloDomain) result.spfDomain = heloDomain;
  if (passingDkim.length) result.dkimDomains = passingDkim;
  return result;
}

/** Every Authentication-Results header of a message, topmost first, at most MAX_AUTH_RESULTS. */
export function parseAuthenticationResultsList(values: string[]): AuthResult[] {
  return values.slice(0, MAX_AUTH_RESULTS).map(parseAuthenticationResult);
}

function isTrustedHost(host: string, trusted: string[]): boolean {
  return trusted.some((entry) => host === entry || host.endsWith(`.${entry}`));
}

/**
 * The header our own servers wrote, or undefined. `trusted`: authserv-ids (case-insensitive). A header with an
 * authserv-id is believed when that id is trusted. A header without one (Microsoft 365) is believed only when it is
 * the topmost Authentication-Results header and `receivedBy` (the topmost Received "by" host) equals a trusted entry
 * or ends with "." + a trusted entry. The first believed header wins.
 */
export function believedAuthResult(results: AuthResult[], receivedBy: string | undefined, trusted: string[]): AuthResult | undefined {
  const names = trusted.map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) return undefined;
  const by = (receivedBy ?? "").trim().toLowerCase();
  for (const [index, result] of results.entries()) {
    if (result.authservId) {
      if (names.includes(result.authservId.toLowerCase())) return result;
    } else if (index === 0 && by && isTrustedHost(by, names)) {
      return result;
    }
  }
  return undefined;
}

/** Verdicts of one Authentication-Results header value; the first verdict of each method wins. */
export function parseAuthenticationResults(value: string): AuthVerdicts {
  const one = parseAuthenticationResult(value);
  const out: AuthVerdicts = {};
  if (one.authservId) out.server = one.authservId;
  if (one.spf !== undefined) out.spf = one.spf;
  if (one.dkim !== undefined) out.dkim = one.dkim;
  if (one.dmarc !== undefined) out.dmarc = one.dmarc;
  return out;
}

/** Verdicts over several headers (the topmost, added by the receiving server, first). */
export function combineAuthenticationResults(values: string[]): AuthVerdicts {
  const out: AuthVerdicts = {};
  for (const value of values.slice(0, MAX_AUTH_RESULTS)) {
    const one = parseAuthenticationResults(value);
    for (const name of ["spf", "dkim", "dmarc", "server"] as const)
      if (out[name] === undefined && one[name] !== undefined) out[name] = one[name];
  }
  return out;
}
