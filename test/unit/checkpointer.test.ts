// SQLite's write-ahead log is moved into the database file by a thread of its own after large commits
// (the built store, whose checkpoint thread is a compiled module), and the log is gone once closed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { waitFor } from "../support/wait.js";

const { openStore } = (await import(
  path.join(PROJECT_ROOT, "dist/src/platform/store/index.js")
)) as typeof import("../../src/platform/store/index.js");

describe("the checkpointer", () => {
  it("copies committed pages into the database file while the store stays open, and leaves no log behind", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-checkpoint-"));
    const file = path.join(dir, "intake.db");
    const store = await openStore(file);
    const sqlite = store.sqlite!;
    sqlite.exec("CREATE TABLE blobs (data BLOB NOT NULL)");
    // The first large commit starts the thread; from then on the writer leaves the log to it.
    store.committed();
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const before = fs.statSync(file).size;
    const insert = sqlite.prepare("INSERT INTO blobs (data) VALUES (?)");
    sqlite.transaction(() => {
      for (let i = 0; i < 64; i++) insert.run(Buffer.alloc(64 * 1024, i));
    })();
    // Committed: in the log, not yet in the database file (the writer's own checkpoint is far off).
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(4 * 1024 * 1024);
    expect(fs.statSync(file).size).toBe(before);
    store.committed();
    await waitFor(() => fs.statSync(file).size > 4 * 1024 * 1024, 10_000);
    await store.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
