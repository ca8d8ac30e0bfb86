// The ingest's SQLite path: one IMMEDIATE transaction per package through prepared statements (the
// same rows as the query-builder path, without compiling a query per row).
import type SQLite from "better-sqlite3";
import type { AlertResult } from "../../sdk/execution.js";
import { decideCase, DEFAULT_GROUPING, displaySubject, keysOf, sqliteGrouping } from "../grouping/index.js";
import type { IngestTarget } from "./index.js";
import type { ValidAlert } from "./validate.js";

export interface PreparedFile {
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  data: Uint8Array;
  encoding: "identity" | "gzip";
}

interface Statements {
  existing: SQLite.Statement;
  insertCase: SQLite.Statement;
  insertLink: SQLite.Statement;
  insertAlert: SQLite.Statement;
  insertEvent: SQLite.Statement;
  insertEntity: SQLite.Statement;
  insertFile: SQLite.Statement;
  deleteContext: SQLite.Statement;
  insertContext: SQLite.Statement;
}

const prepared = new WeakMap<SQLite.Database, Statements>();

function statements(db: SQLite.Database): Statements {
  let known = prepared.get(db);
  if (!known) {
    known = {
      existing: db.prepare("SELECT alert_id FROM alerts WHERE alert_id IN (SELECT value FROM json_each(?))").pluck(),
      insertCase: db.prepare(
        "INSERT INTO cases (title, priority, status, environment, created_at, updated_at, alert_count, first_seen, last_seen) VALUES (?, ?, 'open', ?, ?, ?, 1, ?, ?)",
      ),
      insertLink: db.prepare("INSERT INTO case_links (case_id, linked_case_id, reason, created_at) VALUES (?, ?, ?, ?)"),
      insertAlert: db.prepare(
        `INSERT INTO alerts (case_id, connector_id, run_id, alert_id, ticket_id, name, priority, product, vendor, rule_generator, environment, start_time, end_time, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertEvent: db.prepare("INSERT INTO events (alert_pk, position, event_type, product, start_time, end_time, data) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      insertEntity: db.prepare("INSERT INTO entities (alert_pk, case_id, type, value, source, data) VALUES (?, ?, ?, ?, ?, ?)"),
      insertFile: db.prepare("INSERT INTO alert_files (alert_pk, file_name, content_type, size, sha256, data, encoding) VALUES (?, ?, ?, ?, ?, ?, ?)"),
      deleteContext: db.prepare("DELETE FROM connector_context WHERE connector_id = ? AND key = ?"),
      insertContext: db.prepare("INSERT INTO connector_context (connector_id, key, value) VALUES (?, ?, ?)"),
    };
    prepared.set(db, known);
  }
  return known;
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/**
 * Stores the new alerts of a package and the connector's context in one transaction. The caller
 * holds kysely's connection (`db.connection()`), so nothing else uses it meanwhile.
 */
export async function ingestSqlite(
  db: SQLite.Database,
  target: IngestTarget,
  valid: ValidAlert[],
  files: Map<ValidAlert, PreparedFile[]>,
  context: Record<string, string | null>,
  now: number,
  results: AlertResult[],
): Promise<void> {
  const s = statements(db);
  const grouping = sqliteGrouping(db);
  const settings = target.grouping ?? DEFAULT_GROUPING;
  // IMMEDIATE: the write lock is taken (waiting for it) before any read.
  db.prepare("BEGIN IMMEDIATE").run();
  try {
    const existing = new Set(s.existing.all(JSON.stringify([...new Set(valid.map((a) => a.display_id))])) as string[]);
    for (const alert of valid) {
      if (existing.has(alert.display_id)) {
        results.push({ display_id: alert.display_id, outcome: "duplicate" });
        continue;
      }
      existing.add(alert.display_id);
      const firstEvent = alert.events[0]!;
      const product = text(firstEvent[target.productFieldName]) || alert.device_product;
      const environment = alert.environment || "Default";
      const keys = keysOf(alert);
      const decision = await decideCase(grouping.lookup, keys, environment, settings, alert.start_time);
      let caseId: number;
      if (decision.caseId !== undefined) {
        caseId = decision.caseId;
      } else {
        // A campaign case is titled by the shared subject, without the reporters' "FW:" prefixes.
        const title = (settings.mode === "off" ? alert.name : displaySubject(alert.name)) || "(no subject)";
        caseId = Number(s.insertCase.run(title, alert.priority, environment, now, now, alert.start_time, alert.start_time).lastInsertRowid);
        if (decision.linkTo) {
          s.insertLink.run(caseId, decision.linkTo.caseId, decision.linkTo.reason, now);
          s.insertLink.run(decision.linkTo.caseId, caseId, decision.linkTo.reason, now);
        }
      }
      const data = JSON.stringify({ extensions: alert.extensions ?? {}, notes: alert.notes ?? [], ...(decision.caseId !== undefined ? { groupedBy: decision.by } : {}) });
      const alertPk = Number(s.insertAlert.run(
        caseId, target.connectorId, target.runId, alert.display_id, alert.ticket_id || alert.display_id, alert.name, alert.priority, product,
        alert.device_vendor, alert.rule_generator, environment, alert.start_time, alert.end_time, data, now,
      ).lastInsertRowid);
      alert.events.forEach((event, position) => {
        s.insertEvent.run(alertPk, position, text(event[target.eventFieldName]), text(event[target.productFieldName]), event.StartTime, event.EndTime, JSON.stringify(event));
      });
      for (const { type, value, source, ...rest } of alert.entities ?? []) s.insertEntity.run(alertPk, caseId, type, value, source ?? "", JSON.stringify(rest));
      for (const file of files.get(alert) ?? []) s.insertFile.run(alertPk, file.file_name, file.content_type, file.size, file.sha256, file.data, file.encoding);
      grouping.addKeys(caseId, alertPk, keys, environment, alert.start_time);
      if (decision.caseId !== undefined) grouping.refreshCase(caseId, now);
      results.push({ display_id: alert.display_id, outcome: "ingested", caseId });
    }
    for (const [key, value] of Object.entries(context)) {
      s.deleteContext.run(target.connectorId, key);
      if (value !== null) s.insertContext.run(target.connectorId, key, value);
    }
    db.prepare("COMMIT").run();
  } catch (error) {
    if (db.inTransaction) db.prepare("ROLLBACK").run();
    throw error;
  }
}
