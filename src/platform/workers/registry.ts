// The registry of queue mode's worker processes: each one's row in `workers`, kept alive by its heartbeat,
// and the list the console and `intake workers list` show.
import crypto from "node:crypto";
import os from "node:os";
import type { Store } from "../store/index.js";

/** How often a worker writes its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A worker whose heartbeat is older than this, and that never said it stopped, is taken for dead. */
export const LOST_AFTER_MS = 30_000;

export type WorkerState = "alive" | "stopped" | "lost";

export interface ListedWorker {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: number;
  heartbeatAt: number;
  stoppedAt: number | null;
  runsActive: number;
  state: WorkerState;
}

export interface Registration {
  readonly id: string;
  /** Runs under way now: written with each heartbeat. */
  setRunsActive(count: number): void;
  /** Writes the heartbeat at once (the timer writes it every HEARTBEAT_MS). */
  beat(): Promise<void>;
  /** A clean exit: the heartbeat ends and the row says when the worker stopped. */
  stop(): Promise<void>;
}

export function workerState(row: { heartbeat_at: number; stopped_at: number | null }, now: number = Date.now()): WorkerState {
  if (row.stopped_at !== null) return "stopped";
  return now - row.heartbeat_at > LOST_AFTER_MS ? "lost" : "alive";
}

/**
 * Registers this process as a worker and keeps its heartbeat. A heartbeat that cannot be written (the
 * database restarting) is skipped: the next one catches up, and a worker whose database is gone for
 * longer than LOST_AFTER_MS is rightly shown lost meanwhile.
 */
export async function registerWorker(
  store: Store,
  options: { concurrency: number; onError?: (error: unknown) => void },
): Promise<Registration> {
  const id = crypto.randomUUID();
  const now = Date.now();
  let runsActive = 0;
  let stopped = false;
  await store.db
    .insertInto("workers")
    .values({
      id,
      host: os.hostname(),
      pid: process.pid,
      concurrency: options.concurrency,
      started_at: now,
      heartbeat_at: now,
      stopped_at: null,
      runs_active: 0,
    })
    .execute();
  const beat = async () => {
    if (stopped) return;
    await store.db.updateTable("workers").set({ heartbeat_at: Date.now(), runs_active: runsActive }).where("id", "=", id).execute();
  };
  const timer = setInterval(() => void beat().catch((error: unknown) => options.onError?.(error)), HEARTBEAT_MS);
  timer.unref();
  return {
    id,
    setRunsActive(count) {
      runsActive = count;
    },
    beat,
    async stop() {
      clearInterval(timer);
      stopped = true;
      const at = Date.now();
      await store.db.updateTable("workers").set({ heartbeat_at: at, stopped_at: at, runs_active: 0 }).where("id", "=", id).execute();
    },
  };
}

/** Every worker known, newest first, with its state as of now. */
export async function listWorkers(store: Store): Promise<ListedWorker[]> {
  const rows = await store.db.selectFrom("workers").selectAll().orderBy("started_at", "desc").orderBy("id").execute();
  const now = Date.now();
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    concurrency: row.concurrency,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    runsActive: row.runs_active,
    state: workerState(row, now),
  }));
}
