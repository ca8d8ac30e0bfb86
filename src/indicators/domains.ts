// Domains of URLs and addresses: registrable domain from the public suffix list (tldts), IDN shown
// as Unicode and as punycode, and labels that mix scripts (a homograph such as "аpple" with a Cyrillic а).
import { createRequire } from "node:module";
import { domainToASCII, domainToUnicode } from "node:url";

// tldts through its CommonJS build, which loads faster than its ES build; every connector process
// that reads mail loads it.
const { parse } = createRequire(import.meta.url)("tldts") as typeof import("tldts");

export interface DomainInfo {
  /** The host as written, lower case, ASCII (punycode) form. */
  hostname: string;
  /**
   * Registrable domain (eTLD+1, the PSL's private section included: a.firebaseapp.com), ASCII form; the
   * host itself for an IP or an unlisted suffix.
   */
  domain: string;
  /** The registrable domain in Unicode, when it is an IDN. */
  unicode: string;
  /** The registrable domain in punycode (same as `domain`). */
  punycode: string;
  isIdn: boolean;
  isIp: boolean;
  /** Scripts of the letters of a label that mixes them (Latin with Cyrillic, Greek…): a homograph. */
  mixedScripts?: string[];
  /**
   * The suffix, when it comes from the Public Suffix List's private section (firebaseapp.com, github.io…):
   * anyone may take a name under it, so `domain` is one tenant's site, not the suffix's owner's.
   */
  privateSuffix?: string;
}

const MAX_HOST_LENGTH = 253;

// One character per test: these patterns cannot backtrack.
const SCRIPTS: [string, RegExp][] = [
  ["Latin", /\p{Script=Latin}/u],
  ["Cyrillic", /\p{Script=Cyrillic}/u],
  ["Greek", /\p{Script=Greek}/u],
  ["Armenian", /\p{Script=Armenian}/u],
  ["Hebrew", /\p{Script=Hebrew}/u],
  ["Arabic", /\p{Script=Arabic}/u],
  ["Cherokee", /\p{Script=Cherokee}/u],
  ["Han", /\p{Script=Han}/u],
  ["Hiragana", /\p{Script=Hiragana}/u],
  ["Katakana", /\p{Script=Katakana}/u],
  ["Hangul", /\p{Script=Hangul}/u],
  ["Thai", /\p{Script=Thai}/u],
  ["Georgian", /\p{Script=Georgian}/u],
];

// Scripts that are written together in one label without being a trick (Japanese mixes three).
const COMPATIBLE = new Set([
  "Han+Hiragana",
  "Han+Katakana",
  "Hiragana+Katakana",
  "Han+Hiragana+Katakana",
  "Han+Hangul",
  "Han+Latin",
  "Hangul+Latin",
  "Hiragana+Latin",
  "Katakana+Latin",
  "Han+Hiragana+Katakana+Latin",
]);

function scriptsOf(label: string): string[] {
  const found = new Set<string>();
  for (const ch of label) {
    if (ch < "\u0080") {
      if ((ch >= "a" && ch <= "z") || (ch >= "A" && ch <= "Z")) found.add("Latin");
      continue;
    }
    for (const [name, pattern] of SCRIPTS) {
      if (pattern.test(ch)) {
        found.add(name);
        break;
      }
    }
  }
  return [...found].sort();
}

/** The scripts a Unicode hostname mixes within one label, or undefined when none does. */
export function mixedScriptsOf(unicodeHost: string): string[] | undefined {
  for (const label of unicodeHost.split(".")) {
    const scripts = scriptsOf(label);
    if (scripts.length > 1 && !COMPATIBLE.has(scripts.join("+"))) return scripts;
  }
  return undefined;
}

// Reports of one campaign, and every message's own addresses, name the same hosts over and over:
// their facts are kept (frozen, shared) for the next time, up to a bound.
const described = new Map<string, DomainInfo | undefined>();
const MAX_DESCRIBED = 5000;

/** Facts about one hostname (from a URL, an address); undefined when it is not a usable host name. */
export function describeHost(host: string): DomainInfo | undefined {
  if (!host || host.length > MAX_HOST_LENGTH * 4) return undefined;
  if (described.has(host)) return described.get(host);
  const info = describeNewHost(host);
  if (described.size >= MAX_DESCRIBED) described.clear();
  if (info?.mixedScripts) Object.freeze(info.mixedScripts);
  described.set(host, info && Object.freeze(info));
  return info;
}

function describeNewHost(host: string): DomainInfo | undefined {
  let lower = host.toLowerCase();
  if (lower.endsWith(".")) lower = lower.slice(0, -1);
  const ascii = domainToASCII(lower);
  if (!ascii) return undefined;
  // The private section too: a.firebaseapp.com and b.firebaseapp.com are different sites.
  const info = parse(ascii, { allowPrivateDomains: true });
  if (info.isIp) {
    const ip = ascii.startsWith("[") ? ascii.slice(1, -1) : ascii;
    return { hostname: ip, domain: ip, unicode: ip, punycode: ip, isIdn: false, isIp: true };
  }
  if (!info.hostname || !ascii.includes(".")) return undefined;
  const domain = info.domain ?? ascii;
  const unicodeHost = domainToUnicode(ascii);
  const unicode = domainToUnicode(domain);
  const isIdn = ascii.split(".").some((label) => label.startsWith("xn--"));
  const mixed = isIdn ? mixedScriptsOf(unicodeHost) : undefined;
  const privateSuffix = info.isPrivate && info.publicSuffix ? info.publicSuffix : undefined;
  return {
    hostname: ascii,
    domain,
    unicode,
    punycode: domain,
    isIdn,
    isIp: false,
    ...(mixed ? { mixedScripts: mixed } : {}),
    ...(privateSuffix ? { privateSuffix } : {}),
  };
}

/** The host of a URL, or undefined. */
export function hostOfUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host || undefined;
  } catch {
    return undefined;
  }
}

/** The domain part of an address (`user@host`), or undefined. */
export function hostOfAddress(address: string): string | undefined {
  const at = address.lastIndexOf("@");
  if (at < 0 || at === address.length - 1) return undefined;
  return address.slice(at + 1);
}

/** Characters of link text read for a host. */
const MAX_LINK_TEXT = 300;
const TEXT_TRAILING = new Set([".", ",", ";", ":", "!", "?", ")", "]", ">", "'", '"']);

/**
 * The host a link's visible text shows ("www.paypal.com", "https://paypal.com/login"), or undefined when the
 * text shows none ("Click here", a sentence, an address).
 */
export function hostShownIn(text: string): string | undefined {
  let shown = (text.length > MAX_LINK_TEXT ? text.slice(0, MAX_LINK_TEXT) : text).trim();
  const scheme = shown.indexOf("://");
  if (scheme >= 0) {
    // A scheme of letters only, right before "://" (prose before it is not part of the host).
    let begin = scheme;
    while (begin > 0 && /[A-Za-z]/.test(shown[begin - 1]!)) begin--;
    shown = shown.slice(scheme + 3);
    if (begin === scheme) return undefined;
  } else if (shown.includes(" ") || shown.includes("@")) {
    return undefined;
  }
  let end = 0;
  while (end < shown.length && !"/?#: \t\n\r".includes(shown[end]!)) end++;
  let host = shown.slice(0, end);
  while (host && TEXT_TRAILING.has(host[host.length - 1]!)) host = host.slice(0, -1);
  if (!host.includes(".") || host.includes("@")) return undefined;
  // Only a host under a listed suffix: "file.pdf" or "v1.2" shows no host.
  const info = parse(domainToASCII(host.toLowerCase()) || "-", { allowPrivateDomains: true });
  if (info.isIp) return info.hostname ?? undefined;
  return info.domain && (info.isIcann || info.isPrivate) ? (info.hostname ?? undefined) : undefined;
}

/**
 * The registrable domain a link's visible text shows when it differs from the one the link goes to
 * (text "www.paypal.com", href to evil.test); undefined when the text shows no host or the same site.
 */
export function linkTextDomain(text: string, href: string): string | undefined {
  if (!text) return undefined;
  const shownHost = hostShownIn(text);
  if (!shownHost) return undefined;
  const target = hostOfUrl(href);
  const shown = describeHost(shownHost);
  if (!shown || !target) return undefined;
  const actual = describeHost(target);
  return actual && actual.domain === shown.domain ? undefined : shown.domain;
}
