// The run history, read here once for the CLI and the API: a page of runs newest first, one run with its log, a connector's last runs.
import type { LogEntry } from "../../sdk/execution.js";
import type { Store } from "../store/index.js";

export interface RunQuery {
  /** Only this connector's runs (by its name). */
  connector?: string;
  /** false: test runs left out. */
  tests?: boolean;
  /** Only runs older than this run id (the next page). */
  cursor?: number;
  limit: number;
}

/** What a listed run says: which connector, when, how it ended and what it counted (its log apart). */
const LISTED = [
  "runs.id",
  "connectors.name as connector",
  "runs.is_test",
  "runs.status",
  "runs.started_at",
  "runs.finished_at",
  "runs.fetched",
  "runs.alerts",
  "runs.ingested",
  "runs.duplicates",
  "runs.failed",
  "runs.skipped",
  "runs.error",
  // Queue mode: the worker (workers.id) that ran it; null for embedded serve and the CLI.
  "runs.worker_id as worker",
  "workers.host as worker_host",
  "workers.pid as worker_pid",
] as const;

function runs(store: Store) {
  return store.db
    .selectFrom("runs")
    .innerJoin("connectors", "connectors.id", "runs.connector_id")
    .leftJoin("workers", "workers.id", "runs.worker_id");
}

/** A page of runs, newest first; nextCursor is the cursor of the page after it (null on the last). */
export async function listRuns(store: Store, query: RunQuery) {
  let select = runs(store).select(LISTED);
  if (query.connector) select = select.where("connectors.name", "=", query.connector);
  if (query.tests === false) select = select.where("runs.is_test", "=", 0);
  if (query.cursor !== undefined) select = select.where("runs.id", "<", query.cursor);
  const rows = await select
    .orderBy("runs.id", "desc")
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return { runs: page, nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
}

export type ListedRun = Awaited<ReturnType<typeof listRuns>>["runs"][number];

/** One run with its connector's name and its log; undefined when there is no such run. */
export async function findRun(store: Store, id: number) {
  const run = await runs(store).selectAll("runs").select("connectors.name as connector").where("runs.id", "=", id).executeTakeFirst();
  return run && { ...run, logs: JSON.parse(run.logs) as LogEntry[] };
}

/** Every run matching the query (its limit is the page size), newest first, read a page at a time. */
export async function allRuns(store: Store, query: Omit<RunQuery, "cursor" | "limit"> & { pageSize?: number }): Promise<ListedRun[]> {
  const all: ListedRun[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await listRuns(store, { ...query, limit: query.pageSize ?? 1000, ...(cursor !== undefined ? { cursor } : {}) });
    all.push(...page.runs);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
}

/** How many runs say whether a connector is healthy: the console's connectors and overview show these. */
export const RECENT_RUNS = 5;

/** A connector's latest runs that were not tests, newest first: its health in the console, its last run in the CLI. */
export async function recentRuns(store: Store, connector: string, limit = RECENT_RUNS): Promise<ListedRun[]> {
  return (await listRuns(store, { connector, tests: false, limit })).runs;
}
