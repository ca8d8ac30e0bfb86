// The overview's counts: cases per day by priority, statuses, top sender and URL domains, top reporters, connector health.
import { listConnectors } from "../catalog/index.js";
import { group, reportedSenders, reportersOf, type RoleEntity } from "../cases/index.js";
import { recentRuns } from "../runner/index.js";
import { sql } from "../store/kysely.js";
import type { Store } from "../store/index.js";

const DAY = 86_400_000;

/** Days the overview covers unless asked otherwise. */
export const OVERVIEW_DAYS = 14;

function domainOfAddress(address: string): string {
  const at = address.lastIndexOf("@");
  return at >= 0 ? address.slice(at + 1).toLowerCase() : "";
}

function domainOfUrl(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return "";
  }
}

type Counted = { value: string; n: number | string | bigint };

/** Sums counts by a key derived from each value; the top `limit`, most first. */
function topCounts(rows: Counted[], key: (value: string) => string, limit: number): [string, number][] {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const k = key(row.value);
    if (k) sums.set(k, (sums.get(k) ?? 0) + Number(row.n));
  }
  return [...sums.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
}

function top(rows: Counted[], key: (value: string) => string, limit: number) {
  return topCounts(rows, key, limit).map(([domain, count]) => ({ domain, count }));
}

/** Reports per reporter: each alert's reporters (reporting.ts), from its reporter and depth-0 recipient entities. */
function reporterCounts(rows: (RoleEntity & { alert_pk: number })[]): { value: string; n: number }[] {
  return [...group(rows, (row) => row.alert_pk).values()].flatMap((entities) => reportersOf(entities).map((value) => ({ value, n: 1 })));
}

/** The overview of the last `days` days (today included), as the console's charts show it. */
export async function overview(store: Store, days = OVERVIEW_DAYS) {
  const since = Math.floor(Date.now() / DAY) * DAY - (days - 1) * DAY;
  // An integer literal: a bound number would be a REAL in SQLite and the division would not truncate.
  const dayExpression = sql<number>`(created_at / ${sql.lit(DAY)})`;
  const perDay = await store.db
    .selectFrom("cases")
    .select([dayExpression.as("day"), "priority", (eb) => eb.fn.countAll<number>().as("n")])
    .where("created_at", ">=", since)
    .groupBy([dayExpression, "priority"])
    .execute();
  const statusCounts = await store.db
    .selectFrom("cases")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("status")
    .execute();
  // Grouped by value in the database, by domain here: a bounded number of rows either way.
  const senderRows = await store.db
    .selectFrom("entities")
    .innerJoin("cases", "cases.id", "entities.case_id")
    .select(["entities.case_id", "entities.value", "entities.depth"])
    .where("entities.type", "=", "EMAIL_ADDRESS")
    .where("entities.role", "=", "sender")
    .where("cases.created_at", ">=", since)
    .orderBy("entities.id", "desc")
    .limit(20_000)
    .execute();
  const senders = reportedSenders(senderRows).map((row) => ({ value: row.value, n: 1 }));
  const reporterRows = await store.db
    .selectFrom("entities")
    .innerJoin("cases", "cases.id", "entities.case_id")
    .select(["entities.alert_pk", "entities.value", "entities.role", "entities.depth"])
    .where((eb) =>
      eb.or([eb("entities.role", "=", "reporter"), eb.and([eb("entities.role", "=", "recipient"), eb("entities.depth", "=", 0)])]),
    )
    .where("cases.created_at", ">=", since)
    .orderBy("entities.id", "desc")
    .limit(20_000)
    .execute();
  const urls = await store.db
    .selectFrom("entities")
    .innerJoin("cases", "cases.id", "entities.case_id")
    .select(["entities.value", (eb) => eb.fn.countAll<number>().as("n")])
    .where("entities.type", "=", "URL")
    .where("cases.created_at", ">=", since)
    .groupBy("entities.value")
    .orderBy("n", "desc")
    .limit(5000)
    .execute();
  const connectors = await listConnectors(store);
  const health = await Promise.all(
    connectors.map(async (connector) => ({
      name: connector.name,
      enabled: connector.enabled,
      lastRuns: await recentRuns(store, connector.name),
    })),
  );
  return {
    since,
    days,
    casesPerDay: perDay.map((r) => ({ day: Number(r.day) * DAY, priority: r.priority, count: Number(r.n) })),
    statuses: Object.fromEntries(statusCounts.map((r) => [r.status, Number(r.n)])),
    topSenderDomains: top(senders, domainOfAddress, 10),
    topUrlDomains: top(urls, domainOfUrl, 10),
    topReporters: topCounts(reporterCounts(reporterRows), (value) => value, 10).map(([address, count]) => ({ address, count })),
    connectors: health,
  };
}
