// The one call into the threat-intel feeds (the SDK's lookupIndicators, added by the "Threat Intel Feeds"
// work): kept behind this function so that its arrival changes one line here.
import type { ActionExecution } from "intake/sdk";

export interface IndicatorQuery {
  entityType: string;
  identifier: string;
}

/** What the SDK's lookupIndicators answers for one indicator found in a feed. */
export interface IndicatorMatch {
  entityType: string;
  identifier: string;
  feed: string;
  format: string;
  kind: string;
  /** The indicator as the feed wrote it. */
  indicator: string;
  matchedBy: "exact" | "url" | "domain" | "registered-domain";
  threat?: string;
  firstSeen: number;
  lastSeen: number;
}

/** Most indicators asked about at once (the SDK's bound). */
export const MAX_LOOKUPS = 2000;

type Lookup = (items: IndicatorQuery[]) => Promise<IndicatorMatch[]>;

/** The feeds' matches for these indicators; none while the platform has no feeds service. */
export async function lookupIndicators(execution: ActionExecution, items: IndicatorQuery[]): Promise<IndicatorMatch[]> {
  const lookup = (execution as unknown as { lookupIndicators?: Lookup }).lookupIndicators;
  if (!lookup || items.length === 0) return [];
  return lookup.call(execution, items.slice(0, MAX_LOOKUPS));
}
