// The ingest's SQLite writer: the rows of rows.ts through prepared statements (no query compiled per
// row), in one IMMEDIATE transaction per package.
import type SQLite from "better-sqlite3";
import { sqliteGrouping } from "../grouping/index.js";
import { IN_JSON } from "../grouping/sqlite.js";
import { COLUMNS, type Row, type Table } from "./rows.js";
import type { IngestWriter } from "./types.js";

const prepared = new WeakMap<SQLite.Database, IngestWriter>();

/** Inserts one row of a table, its values bound by position in COLUMNS' order; returns its id. */
function inserter<T extends Table>(db: SQLite.Database, table: T): (row: Row<T>) => number {
  const columns: readonly string[] = COLUMNS[table];
  const statement = db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`);
  // Positional parameters: binding by name looks every one up on the row object (measured slower).
  return (row) => Number(statement.run(columns.map((column) => (row as Record<string, unknown>)[column])).lastInsertRowid);
}

/** The writer over one database's prepared statements (made once per database). */
export function sqliteWriter(db: SQLite.Database): IngestWriter {
  const known = prepared.get(db);
  if (known) return known;
  const existing = db.prepare(`SELECT alert_id FROM alerts WHERE alert_id IN ${IN_JSON}`).pluck();
  const inserters = Object.fromEntries((Object.keys(COLUMNS) as Table[]).map((table) => [table, inserter(db, table)])) as {
    [T in Table]: (row: Row<T>) => number;
  };
  const deleteContext = db.prepare("DELETE FROM connector_context WHERE connector_id = ? AND key = ?");
  const insertContext = db.prepare("INSERT INTO connector_context (connector_id, key, value) VALUES (?, ?, ?)");
  const grouping = sqliteGrouping(db);
  const writer: IngestWriter = {
    lookup: grouping.lookup,
    existing: async (ids) => new Set(existing.all(JSON.stringify(ids)) as string[]),
    insertOne: async (table, row) => (inserters[table] as (row: Row<typeof table>) => number)(row),
    async insert(table, rows) {
      const insert = inserters[table] as (row: Row<typeof table>) => number;
      for (const row of rows) insert(row);
    },
    refreshCase: async (caseId, now) => grouping.refreshCase(caseId, now),
    async writeContext(connectorId, context) {
      for (const [key, value] of Object.entries(context)) {
        deleteContext.run(connectorId, key);
        if (value !== null) insertContext.run(connectorId, key, value);
      }
    },
  };
  prepared.set(db, writer);
  return writer;
}

/**
 * Runs `work` in one IMMEDIATE transaction (the write lock taken, waiting for it, before any read).
 * The caller holds kysely's connection (`db.connection()`), so nothing else uses it meanwhile.
 */
export async function inImmediateTransaction(db: SQLite.Database, work: () => Promise<void>): Promise<void> {
  db.prepare("BEGIN IMMEDIATE").run();
  try {
    await work();
    db.prepare("COMMIT").run();
  } catch (error) {
    if (db.inTransaction) db.prepare("ROLLBACK").run();
    throw error;
  }
}
