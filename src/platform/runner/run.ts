// Runs one iteration of a connector in its own process: ingest what it returns, record the run.
import { IntakeError, RunFailed } from "../errors.js";
import type { LogEntry } from "../../sdk/execution.js";
import { resolveConnector } from "../catalog/index.js";
import { checkPackage, ingestPackage, saveContext } from "../ingest/index.js";
import type { RunStatus, Store } from "../store/index.js";
import { acquireLease, makeOwner } from "./lock.js";
import { driveCodeProcess } from "./drive.js";
import { codeReadRoots, DEFAULT_MEMORY_MB, prepareConnectorInit } from "./code-process.js";

/** Bounds of what a run keeps of its logs. */
export const MAX_LOG_ENTRIES = 2_000;
export const MAX_LOG_BYTES = 1_000_000;
/** A test run keeps at most this many alerts of its package to show. */
export const MAX_TEST_ALERTS = 10_000;

export interface RunOptions {
  test?: boolean;
  /** Check the connection only (the connector's `ping` export): a test run that fetches nothing. */
  ping?: boolean;
  onLog?: (entry: LogEntry) => void;
  memoryMb?: number;
  /** Queue mode: the worker running it, recorded on the run (runs.worker_id). */
  workerId?: string;
  /** Aborting stops the connector's process: the package under way is not acknowledged, so its mail stays unread. */
  signal?: AbortSignal;
}

export interface RunSummary {
  runId: number;
  connector: string;
  test: boolean;
  status: RunStatus;
  fetched: number;
  alerts: number;
  ingested: number;
  duplicates: number;
  failed: number;
  /** Source items deliberately not turned into alerts (recorded with their reason in the log). */
  skipped: number;
  ms: number;
  error?: { code: string; message: string };
  /** Test runs: the alerts returned (attachments shown by name and size). */
  package?: unknown[];
}

export type RunCounts = Pick<RunSummary, "fetched" | "alerts" | "ingested" | "duplicates" | "failed" | "skipped">;

/** A run's counts of items, in the order the runs table and `intake connector run` list them. */
export function runCounts(summary: RunCounts): RunCounts {
  return {
    fetched: summary.fetched,
    alerts: summary.alerts,
    ingested: summary.ingested,
    duplicates: summary.duplicates,
    failed: summary.failed,
    skipped: summary.skipped,
  };
}

/** Keeps a run's log bounded in entries and bytes, counting what it drops. */
export class RunLog {
  entries: LogEntry[] = [];
  #bytes = 0;
  #dropped = 0;
  add(entry: LogEntry): void {
    const message = entry.message.length > 10_000 ? `${entry.message.slice(0, 10_000)}… (cut)` : entry.message;
    if (this.entries.length >= MAX_LOG_ENTRIES || this.#bytes + message.length > MAX_LOG_BYTES) {
      this.#dropped++;
      return;
    }
    this.#bytes += message.length;
    this.entries.push({ ...entry, message });
  }
  /** The entries kept, and a last line saying how many were dropped when any were. */
  list(): LogEntry[] {
    const tail: LogEntry[] = this.#dropped
      ? [{ level: "warn", message: `${this.#dropped} more log lines were dropped (the log is bounded)`, time: Date.now() }]
      : [];
    return [...this.entries, ...tail];
  }
  toJSON(): string {
    return JSON.stringify(this.list());
  }
}

/** An alert fit to show: attachments by name, type and size. */
export function forShow(alert: unknown): unknown {
  const copy = { ...(alert as Record<string, unknown>) };
  if (Array.isArray(copy.attachments)) {
    copy.attachments = (copy.attachments as { fileName: string; contentType: string; data: Uint8Array }[]).map((a) => ({
      fileName: a.fileName,
      contentType: a.contentType,
      size: a.data?.byteLength ?? 0,
    }));
  }
  return copy;
}

export async function runConnector(store: Store, name: string, options: RunOptions = {}): Promise<RunSummary> {
  const test = !!(options.test || options.ping);
  const resolved = await resolveConnector(store, name);
  const { instance, definition } = resolved;
  const lease = test ? undefined : await acquireLease(store, instance.id, instance.name);
  // Stamped once the lock is held: a run's recorded span lies within its lock, so from the runs table
  // alone no two runs of a connector overlap (queue mode's workers ask for the lock at the same moment).
  const started = Date.now();
  const owner = lease?.owner ?? makeOwner();
  const log = new RunLog();
  const addLog = (entry: LogEntry) => {
    log.add(entry);
    options.onLog?.(entry);
  };
  const run = await store.db
    .insertInto("runs")
    .values({
      connector_id: instance.id,
      is_test: test ? 1 : 0,
      status: "running",
      started_at: started,
      finished_at: null,
      error: null,
      owner,
      logs: "[]",
      worker_id: options.workerId ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const summary: RunSummary = {
    runId: run.id,
    connector: instance.name,
    test,
    status: "running",
    fetched: 0,
    alerts: 0,
    ingested: 0,
    duplicates: 0,
    failed: 0,
    skipped: 0,
    ms: 0,
  };
  const shown: unknown[] = [];
  let fetchedReported = false;

  try {
    const init = await prepareConnectorInit(store, resolved, options.ping ? "ping" : test ? "test" : "run");
    const memoryMb = options.memoryMb ?? definition.memoryMb ?? DEFAULT_MEMORY_MB;
    const target = {
      connectorId: instance.id,
      runId: run.id,
      productFieldName: definition.productFieldName,
      eventFieldName: definition.eventFieldName,
      grouping: instance.grouping,
      entityMapping: definition.entityMapping,
    };

    const outcome = await driveCodeProcess(init, {
      timeoutSeconds: definition.timeoutSeconds,
      memoryMb,
      // A test run and a ping (the console's Test, `--test`) get a process of their own; runs may reuse a warm one.
      fresh: test,
      ...(options.signal ? { signal: options.signal } : {}),
      readRoots: codeReadRoots(resolved.integration, definition, init.parameters, store.dataDir),
      onLog: addLog,
      onSkipped: () => {
        summary.skipped++;
      },
      onFetched: (count) => {
        fetchedReported = true;
        summary.fetched += count;
      },
      onPackage: async (alerts, context) => {
        summary.alerts += alerts.length;
        if (test) {
          const checked = checkPackage(alerts);
          summary.failed += checked.failed;
          for (const alert of alerts) if (shown.length < MAX_TEST_ALERTS) shown.push(forShow(alert));
          return checked;
        }
        const ingested = await ingestPackage(store, target, alerts, context);
        summary.ingested += ingested.ingested;
        summary.duplicates += ingested.duplicates;
        summary.failed += ingested.failed;
        return { committed: true, results: ingested.results, stored: ingested.stored };
      },
      onDone: async (context) => {
        if (!test) await saveContext(store, instance.id, context);
      },
    });
    summary.status = outcome.status;
    if (outcome.error) summary.error = outcome.error;
  } catch (error) {
    summary.status = "failed";
    summary.error = (error instanceof IntakeError ? error : new RunFailed((error as Error).message)).toJSON();
  } finally {
    if (!fetchedReported) summary.fetched = summary.alerts;
    summary.ms = Date.now() - started;
    // Kept in the run's log; not echoed to onLog: the caller reports summary.error itself (one line).
    if (summary.error) log.add({ level: "error", message: `${summary.error.code}: ${summary.error.message}`, time: Date.now() });
    await store.db
      .updateTable("runs")
      .set({
        status: summary.status,
        finished_at: Date.now(),
        ...runCounts(summary),
        error: summary.error ? `${summary.error.code}: ${summary.error.message}` : null,
        logs: log.toJSON(),
      })
      .where("id", "=", run.id)
      .execute();
    await lease?.release();
  }
  if (test) summary.package = shown;
  return summary;
}
