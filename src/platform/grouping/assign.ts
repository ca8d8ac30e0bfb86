// Grouping on ingest: a new alert joins the open case of the same phishing mail (same inner
// Message-ID, or same normalised subject and a URL in common that is not everywhere), within one
// environment, a time window and a maximum of alerts per case; a closed case is never reopened.
import type { Transaction } from "kysely";
import type { Database, GroupingMode } from "../store/index.js";
import { normaliseSubject, normaliseUrl } from "./normalise.js";
import { valueHash } from "../store/value-hash.js";

export interface GroupingSettings {
  mode: GroupingMode;
  windowMs: number;
  maxAlerts: number;
}

export const DEFAULT_GROUPING: GroupingSettings = { mode: "campaign", windowMs: 24 * 3_600_000, maxAlerts: 500 };

/**
 * A URL carried by cases of this many different subjects within the window is a footer, signature or
 * tracker link, not a campaign's: it never groups. Learned from the stored cases, not a hand list.
 */
export const COMMON_URL_SUBJECTS = 3;
const MAX_KEYS = 50;

export interface AlertKeys {
  messageIds: string[];
  subject?: string;
  urls: string[];
  files: string[];
}

export type GroupingDecision = { caseId: number; by: string } | { caseId: undefined; linkTo?: { caseId: number; reason: string } };

function strings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v.length > 0);
  if (typeof value === "string" && value)
    return value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
  return [];
}

/** The grouping keys of an alert, from its first event (the alert and event fields of docs/interfaces.md and the email connector's). */
export function keysOf(alert: { name: string; events: Record<string, unknown>[] }): AlertKeys {
  const event = alert.events[0] ?? {};
  const reported = typeof event.ReportedMessageId === "string" && event.ReportedMessageId ? event.ReportedMessageId : event.MessageId;
  const subject = normaliseSubject(typeof event.Subject === "string" ? event.Subject : alert.name);
  const urls = [
    ...new Set(
      (Array.isArray(event.found_urls) ? strings(event.found_urls) : strings(event.found_url))
        .map(normaliseUrl)
        .filter((u): u is string => Boolean(u)),
    ),
  ];
  return {
    messageIds: typeof reported === "string" && reported ? [reported.slice(0, 900)] : [],
    ...(subject.length >= 3 ? { subject: subject.slice(0, 500) } : {}),
    urls: urls.slice(0, MAX_KEYS),
    files: [...new Set(strings(event.AttachmentHashes))].slice(0, MAX_KEYS),
  };
}

type Trx = Transaction<Database>;
export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * The reads grouping needs, so that one decision rule serves both the query builder (any database)
 * and SQLite's prepared statements (the ingest's fast path).
 */
export interface CaseKeyLookup {
  /** Cases with one of these keys of a kind, in an environment, created within the window. */
  casesWithKey(
    kind: "message_id" | "url" | "file" | "subject",
    values: string[],
    environment: string,
    window: TimeWindow,
  ): Promise<number[]>;
  /** (case, url) of cases with this subject and one of these URLs. */
  campaignMatches(subject: string, urls: string[], environment: string, window: TimeWindow): Promise<{ case_id: number; value: string }[]>;
  /** For each of these URLs, how many different subjects the cases carrying it have. */
  urlSubjectCounts(urls: string[], window: TimeWindow): Promise<{ url: string; subjects: number }[]>;
  /** These cases, newest first. */
  casesByIds(ids: number[]): Promise<{ id: number; status: string; alert_count: number }[]>;
}

/** The lookups through the query builder (PostgreSQL, and SQLite outside the fast path). */
export function queryBuilderLookup(trx: Trx): CaseKeyLookup {
  return {
    async casesWithKey(kind, values, environment, window) {
      const rows = await trx
        .selectFrom("case_keys")
        .select("case_id")
        .distinct()
        .where("kind", "=", kind)
        .where("value_hash", "in", values.map(valueHash))
        .where("value", "in", values)
        .where("environment", "=", environment)
        .where("created_at", ">=", window.from)
        .where("created_at", "<=", window.to)
        .execute();
      return rows.map((r) => r.case_id);
    },
    campaignMatches(subject, urls, environment, window) {
      // From the few cases with one of these URLs to those with the subject too: a common subject
      // ("Invoice") can have thousands of cases, which are never all read.
      return trx
        .selectFrom("case_keys as u")
        .innerJoin("case_keys as s", (join) =>
          join.onRef("s.case_id", "=", "u.case_id").on("s.kind", "=", "subject").on("s.value", "=", subject),
        )
        .select(["u.case_id", "u.value"])
        .distinct()
        .where("u.kind", "=", "url")
        .where("u.value_hash", "in", urls.map(valueHash))
        .where("u.value", "in", urls)
        .where("u.environment", "=", environment)
        .where("u.created_at", ">=", window.from)
        .where("u.created_at", "<=", window.to)
        .execute();
    },
    async urlSubjectCounts(urls, window) {
      const rows = await trx
        .selectFrom("case_keys as u")
        .innerJoin("case_keys as s", (join) => join.onRef("s.case_id", "=", "u.case_id").on("s.kind", "=", "subject"))
        .select(["u.value as url", (eb) => eb.fn.count<number>("s.value").distinct().as("subjects")])
        .where("u.kind", "=", "url")
        .where("u.value_hash", "in", urls.map(valueHash))
        .where("u.value", "in", urls)
        .where("u.created_at", ">=", window.from)
        .where("u.created_at", "<=", window.to)
        .groupBy("u.value")
        .execute();
      return rows.map((row) => ({ url: row.url, subjects: Number(row.subjects) }));
    },
    casesByIds(ids) {
      return trx.selectFrom("cases").select(["id", "status", "alert_count"]).where("id", "in", ids).orderBy("id", "desc").execute();
    },
  };
}

/** URLs that stored cases of many different subjects carry. */
async function commonUrls(lookup: CaseKeyLookup, urls: string[], window: TimeWindow): Promise<Set<string>> {
  const common = new Set<string>();
  if (urls.length === 0) return common;
  for (const row of await lookup.urlSubjectCounts(urls, window)) if (row.subjects >= COMMON_URL_SUBJECTS) common.add(row.url);
  return common;
}

async function casesWithKey(
  lookup: CaseKeyLookup,
  kind: "message_id" | "url" | "file" | "subject",
  values: string[],
  environment: string,
  window: TimeWindow,
): Promise<number[]> {
  if (values.length === 0) return [];
  return lookup.casesWithKey(kind, values, environment, window);
}

/**
 * Which case the alert joins. `at` is the alert's own time (its start_time): reports of one mail
 * group when they were sent within the time frame of each other, whatever order they arrive in.
 */
export async function decideCase(
  trx: Trx | CaseKeyLookup,
  keys: AlertKeys,
  environment: string,
  settings: GroupingSettings,
  at: number,
): Promise<GroupingDecision> {
  if (settings.mode === "off") return { caseId: undefined };
  const lookup = "casesByIds" in trx ? trx : queryBuilderLookup(trx);
  const window: TimeWindow = { from: at - settings.windowMs, to: at + settings.windowMs };
  const candidates: { caseId: number; by: string }[] = [];
  for (const caseId of await casesWithKey(lookup, "message_id", keys.messageIds, environment, window))
    candidates.push({ caseId, by: "same reported Message-ID" });

  if (settings.mode === "campaign" && keys.subject && keys.urls.length) {
    const rows = await lookup.campaignMatches(keys.subject, keys.urls, environment, window);
    // Only when a case matches is it worth asking whether the shared URLs are everywhere.
    const common = rows.length ? await commonUrls(lookup, [...new Set(rows.map((r) => r.value))], window) : new Set<string>();
    for (const row of rows) if (!common.has(row.value)) candidates.push({ caseId: row.case_id, by: "same subject and a URL in common" });
  }
  if (settings.mode === "indicator") {
    const common = await commonUrls(lookup, keys.urls, window);
    const urls = keys.urls.filter((url) => !common.has(url));
    for (const caseId of await casesWithKey(lookup, "url", urls, environment, window)) candidates.push({ caseId, by: "a URL in common" });
    for (const caseId of await casesWithKey(lookup, "file", keys.files, environment, window))
      candidates.push({ caseId, by: "an attachment in common" });
  }
  if (candidates.length === 0) return { caseId: undefined };

  const ids = [...new Set(candidates.map((c) => c.caseId))];
  const cases = await lookup.casesByIds(ids);
  const open = cases.find((c) => c.status !== "closed" && c.alert_count < settings.maxAlerts);
  if (open) return { caseId: open.id, by: candidates.find((c) => c.caseId === open.id)!.by };
  // The mail's case is closed (never reopened) or full: a new case, linked to the newest match.
  const newest = cases[0]!;
  return {
    caseId: undefined,
    linkTo: {
      caseId: newest.id,
      reason: newest.status === "closed" ? "new report of a closed case" : `continues a case full at ${settings.maxAlerts} alerts`,
    },
  };
}

/** Brings a case's counts, priority and first/last seen in line with its alerts. */
export async function refreshCase(trx: Trx, caseId: number, now: number): Promise<void> {
  const stats = await trx
    .selectFrom("alerts")
    .select((eb) => [
      eb.fn.countAll<number>().as("count"),
      eb.fn.max("priority").as("priority"),
      eb.fn.min("start_time").as("first"),
      eb.fn.max("start_time").as("last"),
    ])
    .where("case_id", "=", caseId)
    .executeTakeFirstOrThrow();
  if (Number(stats.count) === 0) return;
  await trx
    .updateTable("cases")
    .set({
      alert_count: Number(stats.count),
      priority: Number(stats.priority),
      first_seen: Number(stats.first),
      last_seen: Number(stats.last),
      updated_at: now,
    })
    .where("id", "=", caseId)
    .execute();
}
