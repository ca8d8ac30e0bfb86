// The checkpointer's thread (see checkpointer.ts): its own connection to the database, a PASSIVE
// checkpoint when told (never waiting for the writer, which goes on appending meanwhile).
import { parentPort, workerData } from "node:worker_threads";
import SQLite from "better-sqlite3";

const db = new SQLite((workerData as { file: string }).file, { timeout: 5_000 });
let scheduled = false;

function checkpoint(): void {
  if (scheduled) return;
  scheduled = true;
  // After the messages already queued: several commits told at once cost one checkpoint.
  setImmediate(() => {
    scheduled = false;
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // Busy or locked: the next commit asks again.
    }
  });
}

parentPort!.on("message", (message: string) => {
  if (message === "checkpoint") checkpoint();
  else if (message === "stop") {
    db.close();
    process.exit(0);
  }
});
