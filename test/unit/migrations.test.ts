// Migrations over a database an older version left: 0007 moves merges and moves recorded in 0006's
// case_actions into the one case history, and the CLI reads them back as they were; 0010 hashes the
// values stored before it; 0011 gives entities their role and forward depth from the old labels; 0018
// gives feeds their default reliability, and verdicts set before it read with no evidence.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, expect, it } from "vitest";
import { openStore, valueHash } from "../../src/platform/store/index.js";
import { sqliteGrouping } from "../../src/platform/grouping/index.js";
import { caseHistory, caseVerdict, verdictHistory } from "../../src/platform/cases/index.js";
import { getFeed } from "../../src/platform/intel/index.js";
import { migrateUntil } from "../support/engine-migrations.js";
import { OLD_EMAIL_ENTITIES, expectedAfter0011 } from "../support/old-entities.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-migrations-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("moves case_actions rows into case_history and drops the old table", async () => {
  const file = path.join(dir, "old.db");
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await migrateUntil(old, "sqlite", "0007_one_case_history");
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
      ["kim", "merge", { from: [2, 3] }],
      ["lee", "move_out", { alert: "a@b", to: 4 }],
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

it("gives entities and grouping keys stored before 0010 their value hash, and finds them by it", async () => {
  const file = path.join(dir, "before-0010.db");
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await migrateUntil(old, "sqlite", "0010_value_hash");
  await old.destroy();
  const raw = new Database(file);
  raw.pragma("foreign_keys = OFF");
  const url = "https://phish.example.test/login";
  raw.prepare("insert into entities (alert_pk, case_id, type, value, source, data) values (1, 7, 'URL', ?, 'text', '{}')").run(url);
  raw
    .prepare("insert into case_keys (case_id, alert_pk, kind, value, environment, created_at) values (7, 1, 'url', ?, 'Default', 1000)")
    .run("https://phish.example.test/login");
  raw.close();

  const store = await openStore(file);
  try {
    const db = store.sqlite!;
    expect(db.prepare("select value_hash from entities").pluck().all()).toEqual([valueHash(url)]);
    expect(db.prepare("select value_hash from case_keys").pluck().all()).toEqual([valueHash(url)]);
    // The grouping lookup finds the key stored before, through the new index.
    const found = await sqliteGrouping(db).lookup.casesWithKey("url", [url], "Default", { from: 0, to: 2000 });
    expect(found).toEqual([7]);
    const plan = db
      .prepare("explain query plan select case_id from entities where value_hash = ? and value = ?")
      .all(valueHash(url), url) as { detail: string }[];
    expect(plan.map((row) => row.detail).join(" ")).toContain("entities_value_hash");
  } finally {
    await store.close();
  }
});

it("keeps the value hash it stores the same from version to version", () => {
  // Stored in every database: a change here would hide every row stored before it.
  expect([valueHash(""), valueHash("https://phish.example.test/login"), valueHash("비밀번호")]).toEqual([
    3338908027751811, 8469328068402046, 5722892407298165,
  ]);
});

it("gives entities stored before 0011 the role and forward depth their old email labels meant", async () => {
  const file = path.join(dir, "before-0011.db");
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await migrateUntil(old, "sqlite", "0011_entity_roles");
  await old.destroy();
  const raw = new Database(file);
  const insert = raw.prepare(
    "insert into entities (alert_pk, case_id, type, value, value_hash, source, data) values (?, ?, ?, ?, ?, ?, ?)",
  );
  for (const row of OLD_EMAIL_ENTITIES)
    insert.run(row.alert_pk, row.case_id, row.type, row.value, valueHash(row.value), row.source, row.data);
  raw.close();

  const store = await openStore(file);
  try {
    const rows = await store.db.selectFrom("entities").select(["value", "source", "role", "depth", "data"]).orderBy("id").execute();
    expect(rows).toEqual(expectedAfter0011());
    const plan = store
      .sqlite!.prepare("explain query plan select value from entities where case_id = 1 and type = 'EMAIL_ADDRESS' and role = 'sender'")
      .all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(" ")).toContain("entities_case_role");
  } finally {
    await store.close();
  }
});

it("gives feeds stored before 0018 the reliability C and verdicts set before it no evidence", async () => {
  const file = path.join(dir, "before-0018.db");
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await migrateUntil(old, "sqlite", "0018_verdict_evidence");
  await old.destroy();
  const raw = new Database(file);
  raw
    .prepare(
      "insert into feeds (name, format, source, interval_seconds, indicators, created_at) " +
        "values ('urlhaus', 'urlhaus', '/dev/null', 3600, 0, 1)",
    )
    .run();
  raw
    .prepare(
      "insert into cases (title, priority, status, environment, created_at, updated_at, verdict, verdict_reasons, verdict_set_by, " +
        "verdict_set_at) values ('old', 60, 'open', 'Default', 1, 1, 'malicious', '[\"r\"]', 'playbook:p', 1)",
    )
    .run();
  raw
    .prepare(
      "insert into case_verdicts (case_id, value, reasons, set_by, override, applied, created_at) " +
        "values (1, 'malicious', '[\"r\"]', 'playbook:p', 0, 1, 1)",
    )
    .run();
  raw.close();

  const store = await openStore(file);
  try {
    expect((await getFeed(store, "urlhaus")).reliability).toBe("C");
    expect(await caseVerdict(store, 1)).toMatchObject({ value: "malicious", reasons: ["r"], evidence: [] });
    expect((await verdictHistory(store, 1))[0]).toMatchObject({ value: "malicious", evidence: [] });
    expect(await store.db.selectFrom("custom_lists").selectAll().execute()).toEqual([]);
  } finally {
    await store.close();
  }
});
