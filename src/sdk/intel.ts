// Threat-intel feeds in the SDK: what an action gets back from lookupIndicators, what a feed's job hands
// the platform, and the bounds of both (the platform checks them again: the code runs sandboxed, untrusted).
import type { IndicatorKind } from "../indicators/keys.js";
import type { SourceReliability } from "./vocabulary.js";

/** One thing to look up: a case entity's type (URL, DOMAIN, HOSTNAME, IP, FILE, FILEHASH, EMAIL_ADDRESS) and its identifier. */
export interface IndicatorLookupItem {
  entityType: string;
  /** For FILE / FILEHASH: the file's md5, sha1 or sha256. */
  identifier: string;
}

/**
 * How an item matched: `exact` (the same indicator), `url` (the same URL once normalised: case of scheme
 * and host, default port, trailing slash, escapes), `domain` (a URL's or address's host is a listed
 * domain), `registered-domain` (a parent domain of it is listed, down to its registered domain).
 */
export type IndicatorMatchKind = "exact" | "url" | "domain" | "registered-domain";

export { DEFAULT_SOURCE_RELIABILITY, SOURCE_RELIABILITIES, type SourceReliability } from "./vocabulary.js";

export interface IndicatorMatch {
  entityType: string;
  identifier: string;
  /** The feed's name and format (a name of FEED_FORMAT_TABLE). */
  feed: string;
  format: string;
  /** The feed's source reliability (`intake feeds set NAME --reliability A`). */
  reliability: SourceReliability;
  kind: IndicatorKind;
  /** The indicator as the feed wrote it (not defanged: defang it before showing it). */
  indicator: string;
  matchedBy: IndicatorMatchKind;
  threat?: string;
  /** Unix ms: when this feed first and last listed it. */
  firstSeen: number;
  lastSeen: number;
}

/** One indicator a feed's job read, as the feed wrote it: the platform computes its match key. */
export interface FeedIndicator {
  kind: IndicatorKind;
  value: string;
  threat?: string;
  tags?: string;
}

/** At most this many items per lookupIndicators call. */
export const MAX_LOOKUP_ITEMS = 2000;
/** At most this many indicators per handOverIndicators call (send more in more calls). */
export const MAX_INDICATORS_PER_CHUNK = 5000;
/** Longest indicator text, threat and tags kept. */
export const MAX_INDICATOR_LENGTH = 4000;
export const MAX_INDICATOR_NOTE_LENGTH = 200;

/** The platform's services for threat intel (askPlatform names). */
export const INTEL_SERVICES = { lookup: "intel.lookup", handOver: "intel.indicators" } as const;
