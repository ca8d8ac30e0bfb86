// Runs one iteration of a connector in its own process: ingest what it returns, record the run.
import { IntakeError } from "../../sdk/errors.js";
import type { LogEntry, PackageResult } from "../../sdk/execution.js";
import { resolveConnector } from "../catalog/index.js";
import { checkPackage, ingestPackage, saveContext } from "../ingest/index.js";
import type { RunStatus, Store } from "../store/index.js";
import { acquireLease, makeOwner } from "./lock.js";
import { DEFAULT_MEMORY_MB, prepareInit, spawnConnectorProcess } from "./process.js";
import type { ChildMessage, ParentMessage } from "./protocol.js";

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

/** Keeps a run's log bounded in entries and bytes, counting what it drops. */
class RunLog {
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
  toJSON(): string {
    const tail = this.#dropped ? [{ level: "warn", message: `${this.#dropped} more log lines were dropped (the log is bounded)`, time: Date.now() }] : [];
    return JSON.stringify([...this.entries, ...tail]);
  }
}

function forShow(alert: unknown): unknown {
  const copy = { ...(alert as Record<string, unknown>) };
  if (Array.isArray(copy.attachments)) {
    copy.attachments = (copy.attachments as { fileName: string; contentType: string; data: Uint8Array }[]).map((a) => ({
      fileName: a.fileName, contentType: a.contentType, size: a.data?.byteLength ?? 0,
    }));
  }
  return copy;
}

export async function runConnector(store: Store, name: string, options: RunOptions = {}): Promise<RunSummary> {
  const test = options.test || options.ping ? true : false;
  const started = Date.now();
  const resolved = await resolveConnector(store, name);
  const { instance, definition } = resolved;
  const lease = test ? undefined : await acquireLease(store, instance.id, instance.name);
  const owner = lease?.owner ?? makeOwner();
  const log = new RunLog();
  const addLog = (entry: LogEntry) => {
    log.add(entry);
    options.onLog?.(entry);
  };
  const run = await store.db
    .insertInto("runs")
    .values({ connector_id: instance.id, is_test: test ? 1 : 0, status: "running", started_at: started, finished_at: null, error: null, owner, logs: "[]" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const summary: RunSummary = {
    runId: run.id, connector: instance.name, test, status: "running",
    fetched: 0, alerts: 0, ingested: 0, duplicates: 0, failed: 0, skipped: 0, ms: 0,
  };
  const shown: unknown[] = [];
  let fetchedReported = false;

  try {
    const init = await prepareInit(store, resolved, options.ping ? "ping" : test ? "test" : "run");
    const target = { connectorId: instance.id, runId: run.id, productFieldName: definition.productFieldName, eventFieldName: definition.eventFieldName, grouping: instance.grouping };

    const outcome = await new Promise<{ status: RunStatus; error?: { code: string; message: string } }>((resolve) => {
      const child = spawnConnectorProcess(options.memoryMb);
      let finished: { status: RunStatus; error?: { code: string; message: string } } | undefined;
      let stderrTail = "";
      let queue: Promise<void> = Promise.resolve();
      const finish = (result: typeof finished) => {
        finished ??= result;
      };
      const timer = setTimeout(() => {
        finish({ status: "timed_out", error: { code: "RUN_TIMEOUT", message: `the connector ran past its timeout of ${definition.timeoutSeconds} s and was stopped` } });
        child.kill("SIGKILL");
      }, definition.timeoutSeconds * 1000);
      const lines = (level: LogEntry["level"]) => (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        if (level === "error") stderrTail = (stderrTail + text).slice(-4000);
        for (const line of text.split("\n")) if (line.trim()) addLog({ level, message: line, time: Date.now() });
      };
      child.stdout?.on("data", lines("info"));
      child.stderr?.on("data", lines("error"));
      const reply = (message: ParentMessage) => {
        if (child.connected) child.send(message);
      };

      child.on("message", (message: ChildMessage) => {
        switch (message.t) {
          case "log":
            addLog(message.entry);
            break;
          case "changed":
            break;
          case "skipped":
            summary.skipped++;
            break;
          case "fetched":
            fetchedReported = true;
            summary.fetched += message.count;
            break;
          case "package":
            // One package at a time, in order: the connector acknowledges in the order it sent.
            queue = queue.then(async () => {
              summary.alerts += message.alerts.length;
              try {
                let result: PackageResult;
                if (test) {
                  const checked = checkPackage(message.alerts);
                  summary.failed += checked.failed;
                  for (const alert of message.alerts) if (shown.length < MAX_TEST_ALERTS) shown.push(forShow(alert));
                  result = checked;
                } else {
                  const ingested = await ingestPackage(store, target, message.alerts, message.context);
                  summary.ingested += ingested.ingested;
                  summary.duplicates += ingested.duplicates;
                  summary.failed += ingested.failed;
                  result = { committed: true, results: ingested.results, stored: ingested.stored };
                }
                for (const failure of result.results.filter((r) => r.outcome === "failed")) {
                  addLog({ level: "error", message: `ALERT_INVALID: ${failure.error}`, time: Date.now() });
                }
                reply({ t: "ack", seq: message.seq, result });
              } catch (error) {
                const code = error instanceof IntakeError ? error.code : "INGEST_FAILED";
                addLog({ level: "error", message: `${code}: ${(error as Error).message}`, time: Date.now() });
                reply({ t: "nack", seq: message.seq, code, message: (error as Error).message });
              }
            });
            break;
          case "done":
            queue = queue.then(async () => {
              if (!test) await saveContext(store, instance.id, message.context);
              finish({ status: "succeeded" });
            });
            break;
          case "error":
            finish({ status: "failed", error: { code: message.code, message: message.message } });
            break;
        }
      });
      child.on("error", (error) => finish({ status: "failed", error: { code: "RUN_SPAWN", message: error.message } }));
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        void queue.then(() => {
          if (!finished) {
            const outOfMemory = /heap out of memory|Allocation failed/i.test(stderrTail);
            finish({
              status: "failed",
              error: outOfMemory
                ? { code: "RUN_OUT_OF_MEMORY", message: `the connector ran out of memory (cap ${options.memoryMb ?? DEFAULT_MEMORY_MB} MB) and was stopped` }
                : { code: "RUN_CRASHED", message: `the connector's process ended without finishing (${signal ? `signal ${signal}` : `exit code ${code}`})` },
            });
          }
          resolve(finished!);
        });
      });
      child.send(init);
    });
    summary.status = outcome.status;
    if (outcome.error) summary.error = outcome.error;
  } catch (error) {
    summary.status = "failed";
    summary.error = error instanceof IntakeError ? { code: error.code, message: error.message } : { code: "RUN_FAILED", message: (error as Error).message };
  } finally {
    if (!fetchedReported) summary.fetched = summary.alerts;
    summary.ms = Date.now() - started;
    if (summary.error) addLog({ level: "error", message: `${summary.error.code}: ${summary.error.message}`, time: Date.now() });
    await store.db
      .updateTable("runs")
      .set({
        status: summary.status, finished_at: Date.now(), fetched: summary.fetched, alerts: summary.alerts,
        ingested: summary.ingested, duplicates: summary.duplicates, failed: summary.failed, skipped: summary.skipped,
        error: summary.error ? `${summary.error.code}: ${summary.error.message}` : null, logs: log.toJSON(),
      })
      .where("id", "=", run.id)
      .execute();
    await lease?.release();
  }
  if (test) summary.package = shown;
  return summary;
}
