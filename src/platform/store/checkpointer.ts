// Moves SQLite's write-ahead log into the database file on a thread of its own. A commit then only
// appends its pages to the log and syncs it; copying them into the database file and syncing that
// (mostly waiting for the disk) no longer
// holds up the next package. Told after each commit; a checkpoint asked for while one runs is coalesced.
import { Worker } from "node:worker_threads";

/** With the checkpointer behind, the writer's own checkpoint still bounds the log (pages of 4 KiB). */
export const WRITER_CHECKPOINT_PAGES = 16_384;

export interface Checkpointer {
  /** A commit happened: checkpoint soon. */
  committed(): void;
  /** Ends the thread (its connection closed; the log stays for the next opening if a checkpoint was under way). */
  stop(): Promise<void>;
}

export function startCheckpointer(file: string): Checkpointer | undefined {
  let worker: Worker;
  try {
    worker = new Worker(new URL("./checkpoint-thread.js", import.meta.url), { workerData: { file } });
  } catch {
    // Without the thread, SQLite's own checkpoints (at the writer's commits) keep the log bounded.
    return undefined;
  }
  let alive = true;
  const ended = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  void ended.then(() => (alive = false));
  // A failure here costs only speed: the writer checkpoints itself past WRITER_CHECKPOINT_PAGES.
  worker.on("error", () => undefined);
  worker.unref();
  return {
    committed: () => {
      if (alive) worker.postMessage("checkpoint");
    },
    stop: async () => {
      if (!alive) return;
      // Held open until the thread has closed its connection (unref'd, it would not keep the process up).
      worker.ref();
      worker.postMessage("stop");
      await ended;
    },
  };
}
