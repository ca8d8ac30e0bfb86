// What the organisation tells the assessment: its own domains, and the custom lists admins keep (shared
// infrastructure, shorteners, brands, VIPs), read into sets once per assessment.
import { getDomain, getPublicSuffix } from "tldts";

export interface Brand {
  name: string;
  /** Lower-case words of the name, matched as whole words in a display name. */
  words: string[];
  domains: string[];
}

export interface Vip {
  name: string;
  address?: string;
}

export interface Policy {
  /** The organisation's mail domains (Reporter Domains), lower case. */
  orgDomains: string[];
  sharedInfrastructure: Set<string>;
  shorteners: Set<string>;
  brands: Brand[];
  vips: Vip[];
}

export const LIST_NAMES = { shared: "Shared Infrastructure", shorteners: "Shorteners", brands: "Brands", vips: "VIPs" } as const;

export function emptyPolicy(): Policy {
  return { orgDomains: [], sharedInfrastructure: new Set(), shorteners: new Set(), brands: [], vips: [] };
}

/** "a.com, B.com" → ["a.com", "b.com"]: a comma- or space-separated setting. */
export function splitSetting(text: string | undefined): string[] {
  return (text ?? "")
    .split(/[,\s]+/)
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** Words of a name for whole-word matching: letters and digits of any script, lower case. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const char of text.toLowerCase().slice(0, 500)) {
    // Letters and digits of any script (Hangul included) make words; anything else separates them.
    if (/[\p{L}\p{N}]/u.test(char)) current += char;
    else if (current) {
      words.push(current);
      current = "";
    }
  }
  if (current) words.push(current);
  return words;
}

/** The list of words `needle` appears in `haystack` as consecutive whole words. */
export function containsWords(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0 || needle.length > haystack.length) return false;
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((word, index) => haystack[start + index] === word)) return true;
  }
  return false;
}

export function parseBrands(lines: string[]): Brand[] {
  const brands: Brand[] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const domains = splitSetting(line.slice(colon + 1)).map((domain) => domain.replace(/^\*\./, ""));
    const words = wordsOf(name);
    if (words.length && domains.length) brands.push({ name, words, domains });
  }
  return brands;
}

export function parseVips(lines: string[]): Vip[] {
  return lines
    .map((line) => {
      const open = line.indexOf("<");
      const close = line.indexOf(">", open + 1);
      if (open > 0 && close > open)
        return {
          name: line.slice(0, open).trim(),
          address: line
            .slice(open + 1, close)
            .trim()
            .toLowerCase(),
        };
      return { name: line.trim() };
    })
    .filter((vip) => vip.name.length > 0);
}

/** A host's registrable domain, the Public Suffix List's private section included (a.web.app ≠ b.web.app). */
export function siteOf(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, "");
  return getDomain(lower, { allowPrivateDomains: true }) ?? lower;
}

/** The private-section suffix a host sits under (web.app, github.io, firebaseapp.com…), or undefined. */
export function privateSuffixOf(host: string): string | undefined {
  const lower = host.toLowerCase();
  const withPrivate = getPublicSuffix(lower, { allowPrivateDomains: true });
  const icann = getPublicSuffix(lower, { allowPrivateDomains: false });
  return withPrivate && icann && withPrivate !== icann ? withPrivate : undefined;
}

/** The host is the domain or under it. */
export function isWithin(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

export function isWithinAny(host: string, domains: Iterable<string>): boolean {
  for (const domain of domains) if (isWithin(host, domain)) return true;
  return false;
}

export function isOrgDomain(policy: Policy, host: string): boolean {
  return isWithinAny(host.toLowerCase(), policy.orgDomains);
}

/**
 * Shared infrastructure: on the admins' list, the host itself or a parent of it within its own site. An entry above
 * the site does not cover it: "cloudfront.net" or "windows.net" would otherwise clear every customer's site under
 * them (d123.cloudfront.net, evil.blob.core.windows.net are sites of their own, the PSL's private section says).
 */
export function isShared(policy: Policy, host: string): boolean {
  const lower = host.toLowerCase();
  if (policy.sharedInfrastructure.has(lower)) return true;
  const site = siteOf(lower);
  const labels = lower.split(".");
  for (let at = 1; at < labels.length - 1; at++) {
    const parent = labels.slice(at).join(".");
    if (parent !== site && !parent.endsWith(`.${site}`)) break;
    if (policy.sharedInfrastructure.has(parent)) return true;
  }
  return false;
}

export function isShortener(policy: Policy, host: string): boolean {
  return isWithinAny(host.toLowerCase(), policy.shorteners);
}

/** The brands whose domains the host belongs to. */
export function brandsOfHost(policy: Policy, host: string): Brand[] {
  return policy.brands.filter((brand) => isWithinAny(host, brand.domains));
}
