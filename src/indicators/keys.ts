// Match keys of threat-intel indicators: the one text a feed's indicator and a case's entity both reduce
// to when an analyst would call them the same (URL, domain, IP, file hash). Pure and linear-time.
import { createRequire } from "node:module";
import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { MAX_URL_LENGTH } from "./urls.js";

const { parse } = createRequire(import.meta.url)("tldts") as typeof import("tldts");

export const INDICATOR_KINDS = ["url", "domain", "ip", "sha256", "md5", "sha1"] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export function isIndicatorKind(value: string): value is IndicatorKind {
  return (INDICATOR_KINDS as readonly string[]).includes(value);
}

const HASH_LENGTHS: Record<number, IndicatorKind> = { 32: "md5", 40: "sha1", 64: "sha256" };
const MAX_HOST_LENGTH = 253;

function isHex(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code >= 48 && code <= 57;
    const lower = code >= 97 && code <= 102;
    if (!digit && !lower) return false;
  }
  return text.length > 0;
}

/** The kind of a file hash by its length (md5, sha1, sha256), or undefined when it is not one. */
export function hashKind(text: string): IndicatorKind | undefined {
  const hex = text.trim().toLowerCase();
  const kind = HASH_LENGTHS[hex.length];
  return kind && isHex(hex) ? kind : undefined;
}

function isUnreserved(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) ||
    code === 45 ||
    code === 46 ||
    code === 95 ||
    code === 126
  );
}

/** `%7E` → `~` for unreserved characters (RFC 3986 2.3); other escapes upper-cased (`%2f` → `%2F`). */
function decodeUnreserved(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%" && i + 2 < text.length && isHex(text.slice(i + 1, i + 3).toLowerCase())) {
      const code = parseInt(text.slice(i + 1, i + 3), 16);
      out += isUnreserved(code) ? String.fromCharCode(code) : `%${text.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * The key of a URL: scheme and host lower-case (IDN as punycode), default port dropped, fragment dropped,
 * unreserved percent-escapes decoded, empty path "/" and a trailing slash ignored. A URL written without
 * a scheme is read as http. Undefined when it is not a URL with a host.
 */
export function urlKey(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.length > MAX_URL_LENGTH) return undefined;
  const withScheme = trimmed.includes("://") ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (!url.hostname) return undefined;
  let pathname = decodeUnreserved(url.pathname);
  if (pathname.length > 1 && pathname.endsWith("/")) pathname = pathname.slice(0, -1);
  if (pathname === "") pathname = "/";
  const host = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  const userinfo = url.username ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
  return `${url.protocol}//${userinfo}${host}${url.port ? `:${url.port}` : ""}${pathname}${decodeUnreserved(url.search)}`;
}

/** The key of a domain: lower-case, trailing dot dropped, IDN as punycode. Undefined when it is not a host name. */
export function domainKey(text: string): string | undefined {
  let host = text.trim().toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "" || host.length > MAX_HOST_LENGTH * 4) return undefined;
  const ascii = domainToASCII(host);
  if (ascii === "" || ascii.length > MAX_HOST_LENGTH || isIP(ascii)) return undefined;
  for (const label of ascii.split(".")) {
    if (label.length === 0 || label.length > 63) return undefined;
  }
  return ascii;
}

/** The key of an IP address: IPv4 as written, IPv6 in its short lower-case form. */
export function ipKey(text: string): string | undefined {
  const address = text.trim().replace(/^\[(.*)\]$/, "$1");
  const version = isIP(address);
  if (version === 4) return address;
  if (version === 6) return new URL(`http://[${address}]`).hostname.slice(1, -1);
  return undefined;
}

/** The key of an indicator of a kind, or undefined when the text is not one of that kind. */
export function indicatorKey(kind: IndicatorKind, text: string): string | undefined {
  switch (kind) {
    case "url":
      return urlKey(text);
    case "domain":
      return domainKey(text);
    case "ip":
      return ipKey(text);
    default:
      return hashKind(text) === kind ? text.trim().toLowerCase() : undefined;
  }
}

/**
 * The domains a lookup of a host checks, the host first: its parent domains down to its registered domain
 * (a.b.evil.test → a.b.evil.test, b.evil.test, evil.test), never a public suffix (co.uk) on its own, nor a
 * suffix of the PSL's private section (x.evil.firebaseapp.com stops at evil.firebaseapp.com: a feed
 * listing firebaseapp.com names the service, not each of its tenants).
 */
export function domainCandidates(host: string): string[] {
  const key = domainKey(host);
  if (!key) return [];
  const registered = parse(key, { allowPrivateDomains: true }).domain;
  const out = [key];
  if (!registered || !key.endsWith(`.${registered}`)) return out;
  let rest = key;
  while (rest !== registered) {
    rest = rest.slice(rest.indexOf(".") + 1);
    out.push(rest);
  }
  return out;
}
