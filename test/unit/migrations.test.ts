// Migrations over a database an older version left: 0007 moves merges and moves recorded in 0006's
// case_actions into the one case history, and the CLI reads them back as they were.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { afterAll, expect, it } from "vitest";
import { migrationProvider } from "../../src/platform/store/migrations/index.js";
import { openStore } from "../../src/platform/store/index.js";
import { caseHistory } from "../../src/platform/cases/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-migrations-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("moves case_actions rows into case_history and drops the old table", async () => {
  const file = path.join(dir, "old.db");
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  const before = ["0001_core", "0003_console", "0004_packages", "0005_run_skipped", "0006_grouping"];
  const result = await new Migrator({ db: old, provider: migrationProvider("sqlite", before), allowUnorderedMigrations: true }).migrateToLatest();
  expect(result.error).toBeUndefined();
  const raw = new Database(file);
  const insert = raw.prepare("insert into case_actions (case_id, action, actor, detail, created_at) values (?, ?, ?, ?, ?)");
  insert.run(1, "merge", "kim", JSON.stringify({ from: [2, 3] }), 1000);
  insert.run(2, "merged_into", "kim", JSON.stringify({ into: 1 }), 1000);
  insert.run(1, "move_out", "lee", JSON.stringify({ alert: "a@b", to: 4 }), 2000);
  insert.run(4, "moved_in", "lee", JSON.stringify({ alert: "a@b", from: 1 }), 2000);
  raw.close();
  await old.destroy();

  const store = await openStore(file);
  try {
    expect((await caseHistory(store, 1)).map((e) => [e.actor, e.action, e.detail])).toEqual([
      ["kim", "merge", { from: [2, 3] }], ["lee", "move_out", { alert: "a@b", to: 4 }],
    ]);
    expect((await caseHistory(store, 2)).map((e) => [e.action, e.detail])).toEqual([["merged_into", { into: 1 }]]);
    expect((await caseHistory(store, 4)).map((e) => [e.action, e.detail])).toEqual([["moved_in", { alert: "a@b", from: 1 }]]);
  } finally {
    await store.close();
  }
  const check = new Database(file, { readonly: true });
  expect(check.prepare("select name from sqlite_master where name = 'case_actions'").get()).toBeUndefined();
  check.close();
});
