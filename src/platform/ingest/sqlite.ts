// The ingest's SQLite writer: the rows of store-alerts.ts through prepared statements (no query
// compiled per row), in one IMMEDIATE transaction per package.
import type SQLite from "better-sqlite3";
import { sqliteGrouping } from "../grouping/index.js";
import { IN_JSON } from "../grouping/sqlite.js";
import type { IngestWriter } from "./store-alerts.js";

const prepared = new WeakMap<SQLite.Database, IngestWriter>();

/** The writer over one database's prepared statements (made once per database). */
export function sqliteWriter(db: SQLite.Database): IngestWriter {
  const known = prepared.get(db);
  if (known) return known;
  const existing = db.prepare(`SELECT alert_id FROM alerts WHERE alert_id IN ${IN_JSON}`).pluck();
  const insertCase = db.prepare(
    "INSERT INTO cases (title, priority, status, environment, created_at, updated_at, alert_count, first_seen, last_seen) VALUES (?, ?, 'open', ?, ?, ?, 1, ?, ?)",
  );
  const insertLink = db.prepare("INSERT INTO case_links (case_id, linked_case_id, reason, created_at) VALUES (?, ?, ?, ?)");
  // Positional parameters: binding by name looks every one up on the row object (measured slower).
  const insertAlert = db.prepare(
    `INSERT INTO alerts (case_id, connector_id, run_id, alert_id, ticket_id, name, priority, product, vendor, rule_generator, environment, start_time, end_time, data, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEvent = db.prepare("INSERT INTO events (alert_pk, position, event_type, product, start_time, end_time, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const insertEntity = db.prepare("INSERT INTO entities (alert_pk, case_id, type, value, value_hash, source, role, depth, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const insertFile = db.prepare("INSERT INTO alert_files (alert_pk, file_name, content_type, size, sha256, data, encoding) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const deleteContext = db.prepare("DELETE FROM connector_context WHERE connector_id = ? AND key = ?");
  const insertContext = db.prepare("INSERT INTO connector_context (connector_id, key, value) VALUES (?, ?, ?)");
  const grouping = sqliteGrouping(db);
  const writer: IngestWriter = {
    lookup: grouping.lookup,
    existing: async (ids) => new Set(existing.all(JSON.stringify(ids)) as string[]),
    insertCase: async (row) => Number(insertCase.run(row.title, row.priority, row.environment, row.created_at, row.created_at, row.first_seen, row.first_seen).lastInsertRowid),
    async linkCases(caseId, linkedCaseId, reason, at) {
      insertLink.run(caseId, linkedCaseId, reason, at);
      insertLink.run(linkedCaseId, caseId, reason, at);
    },
    insertAlert: async (row) =>
      Number(insertAlert.run(
        row.case_id, row.connector_id, row.run_id, row.alert_id, row.ticket_id, row.name, row.priority, row.product, row.vendor,
        row.rule_generator, row.environment, row.start_time, row.end_time, row.data, row.created_at,
      ).lastInsertRowid),
    async insertEvents(rows) {
      for (const row of rows) insertEvent.run(row.alert_pk, row.position, row.event_type, row.product, row.start_time, row.end_time, row.data);
    },
    async insertEntities(rows) {
      for (const row of rows) insertEntity.run(row.alert_pk, row.case_id, row.type, row.value, row.value_hash, row.source, row.role, row.depth, row.data);
    },
    async insertFiles(alertPk, files) {
      for (const file of files) insertFile.run(alertPk, file.file_name, file.content_type, file.size, file.sha256, file.data, file.encoding);
    },
    addKeys: async (caseId, alertPk, keys, environment, at) => grouping.addKeys(caseId, alertPk, keys, environment, at),
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
