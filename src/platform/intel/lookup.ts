// Looks a case's entities up in the feeds' indicators: each entity becomes the keys it may match under
// (its URL, its host and parent domains, its address, its hash), found by their hash in one indexed query.
import { z } from "zod";
import { domainCandidates, hashKind, ipKey, urlKey, type IndicatorKind } from "../../indicators/keys.js";
import {
  MAX_LOOKUP_ITEMS,
  SOURCE_RELIABILITIES,
  DEFAULT_SOURCE_RELIABILITY,
  type SourceReliability,
  type IndicatorLookupItem,
  type IndicatorMatch,
  type IndicatorMatchKind,
} from "../../sdk/intel.js";
import { IntelRequestInvalid } from "../errors.js";
import { valueHash, type Store } from "../store/index.js";

/** Most matches one lookup returns (a URL may be listed by every feed). */
export const MAX_LOOKUP_MATCHES = 10_000;
/** Hashes per query: well under both databases' limits on bound values. */
const HASHES_PER_QUERY = 500;

interface Probe {
  item: number;
  kind: IndicatorKind;
  key: string;
  /** How a match of this probe is named; undefined: "exact" when the feed wrote it as given, else "url". */
  matchedBy?: IndicatorMatchKind;
}

/** The host of a URL as the URL parser reads it (undefined for no host). */
function hostOf(url: string): string | undefined {
  const key = urlKey(url);
  if (!key) return undefined;
  const host = new URL(key).hostname;
  return host.startsWith("[") ? host.slice(1, -1) : host;
}

function hostProbes(item: number, host: string, first: IndicatorMatchKind): Probe[] {
  const ip = ipKey(host);
  if (ip) return [{ item, kind: "ip", key: ip, matchedBy: first }];
  return domainCandidates(host).map((key, index) => ({
    item,
    kind: "domain" as const,
    key,
    matchedBy: index === 0 ? first : "registered-domain",
  }));
}

/** The keys one item is looked up under. Entity types with no indicators of their kind give none. */
export function probesOf(item: IndicatorLookupItem, index: number): Probe[] {
  const identifier = item.identifier.trim();
  switch (item.entityType.toUpperCase()) {
    case "URL": {
      const key = urlKey(identifier);
      const host = hostOf(identifier);
      return [...(key ? [{ item: index, kind: "url" as const, key }] : []), ...(host ? hostProbes(index, host, "domain") : [])];
    }
    case "DOMAIN":
    case "HOSTNAME":
      return hostProbes(index, identifier, "exact");
    case "EMAIL_ADDRESS": {
      const at = identifier.lastIndexOf("@");
      return at > 0 ? hostProbes(index, identifier.slice(at + 1), "domain") : [];
    }
    case "IP":
    case "ADDRESS": {
      const key = ipKey(identifier);
      return key ? [{ item: index, kind: "ip", key, matchedBy: "exact" }] : [];
    }
    case "FILE":
    case "FILEHASH": {
      const kind = hashKind(identifier);
      return kind ? [{ item: index, kind, key: identifier.toLowerCase(), matchedBy: "exact" }] : [];
    }
    default:
      return [];
  }
}

const lookupSchema = z
  .object({
    items: z.array(z.object({ entityType: z.string().max(100), identifier: z.string().max(10_000) }).strict()).max(MAX_LOOKUP_ITEMS),
  })
  .strict();

function reliabilityOf(value: string): SourceReliability {
  return (SOURCE_RELIABILITIES as readonly string[]).includes(value) ? (value as SourceReliability) : DEFAULT_SOURCE_RELIABILITY;
}

/** Every match of the items in every feed, in the items' order. */
export async function lookupIndicators(store: Store, items: IndicatorLookupItem[]): Promise<IndicatorMatch[]> {
  const probes = items.flatMap((item, index) => probesOf(item, index));
  const hashes = [...new Set(probes.map((probe) => valueHash(probe.key)))];
  const found = new Map<
    string,
    {
      id: number;
      shown: string;
      threat: string | null;
      first_seen: number;
      last_seen: number;
      feed: string;
      format: string;
      reliability: SourceReliability;
    }[]
  >();
  for (let start = 0; start < hashes.length; start += HASHES_PER_QUERY) {
    const rows = await store.db
      .selectFrom("indicators as i")
      .innerJoin("feeds as f", "f.id", "i.feed_id")
      .select([
        "i.id",
        "i.kind",
        "i.value",
        "i.shown",
        "i.threat",
        "i.first_seen",
        "i.last_seen",
        "f.name as feed",
        "f.format",
        "f.reliability",
      ])
      .where("i.value_hash", "in", hashes.slice(start, start + HASHES_PER_QUERY))
      .orderBy("f.name")
      .execute();
    for (const row of rows) {
      const key = `${row.kind}\u0000${row.value}`;
      const list = found.get(key) ?? [];
      list.push({
        id: Number(row.id),
        shown: row.shown,
        threat: row.threat,
        first_seen: Number(row.first_seen),
        last_seen: Number(row.last_seen),
        feed: row.feed,
        format: row.format,
        reliability: reliabilityOf(row.reliability),
      });
      found.set(key, list);
    }
  }
  const matches: IndicatorMatch[] = [];
  const seen = new Set<string>();
  for (const probe of probes) {
    for (const row of found.get(`${probe.kind}\u0000${probe.key}`) ?? []) {
      const once = `${probe.item}\u0000${row.id}`;
      if (seen.has(once) || matches.length >= MAX_LOOKUP_MATCHES) continue;
      seen.add(once);
      const item = items[probe.item]!;
      matches.push({
        entityType: item.entityType,
        identifier: item.identifier,
        feed: row.feed,
        format: row.format,
        reliability: row.reliability,
        kind: probe.kind,
        indicator: row.shown,
        matchedBy: probe.matchedBy ?? (row.shown.trim() === item.identifier.trim() ? "exact" : "url"),
        ...(row.threat ? { threat: row.threat } : {}),
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      });
    }
  }
  return matches;
}

/** The intel.lookup service for an action's process: its payload validated as input from outside. */
export async function lookupService(store: Store, payload: unknown): Promise<IndicatorMatch[]> {
  const checked = lookupSchema.safeParse(payload);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new IntelRequestInvalid(`intel.lookup: ${issue.path.join(".") || "(payload)"}: ${issue.message}`);
  }
  return lookupIndicators(store, checked.data.items);
}
