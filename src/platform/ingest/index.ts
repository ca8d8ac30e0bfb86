// Ingest: validate a package, map fields, store each new alert id once as a case, with the
// connector's checkpoint, in one transaction.
import crypto from "node:crypto";
import type { AlertResult, PackageResult } from "../../sdk/execution.js";
import type { Transaction } from "kysely";
import type { Database, Store } from "../store/index.js";
import { checkAlert, type ValidAlert } from "./validate.js";
import { inImmediateTransaction, sqliteWriter } from "./sqlite.js";
import { storeAlerts, type IngestWriter } from "./store-alerts.js";
import { addKeys, queryBuilderLookup, refreshCase, type GroupingSettings } from "../grouping/index.js";

export { checkAlert } from "./validate.js";
export type { ValidAlert } from "./validate.js";

export interface IngestTarget {
  connectorId: number;
  runId: number;
  /** The event field whose value is the alert's product (Product Field Name). */
  productFieldName: string;
  /** The event field whose value is the event's type (Event Field Name). */
  eventFieldName: string;
  /** How alerts are grouped into cases (default: by campaign). */
  grouping?: GroupingSettings;
}

export interface IngestOutcome extends PackageResult {
  ingested: number;
  duplicates: number;
  failed: number;
}

const IN_CHUNK = 500;

/** Validates a package without storing it (a test run): what ingest would accept or refuse. */
export function checkPackage(alerts: unknown[]): IngestOutcome {
  const results: AlertResult[] = alerts.map((raw, index) => {
    const check = checkAlert(raw, index);
    return check.ok ? { display_id: check.alert.display_id, outcome: "tested" } : { display_id: check.display_id, outcome: "failed", error: check.error };
  });
  const failed = results.filter((r) => r.outcome === "failed").length;
  return { committed: false, results, stored: [], ingested: 0, duplicates: 0, failed };
}

export async function ingestPackage(
  store: Store,
  target: IngestTarget,
  alerts: unknown[],
  context: Record<string, string | null>,
): Promise<IngestOutcome> {
  const results: AlertResult[] = [];
  const valid: ValidAlert[] = [];
  alerts.forEach((raw, index) => {
    const check = checkAlert(raw, index);
    if (check.ok) valid.push(check.alert);
    else results.push({ display_id: check.display_id, outcome: "failed", error: check.error });
  });
  // Stored as they came: gzip (level 1) cost the platform's process about a fifth of its time for a
  // third of the size of mail (measured); hashed before the transaction.
  const files = new Map(valid.map((alert) => [alert, (alert.attachments ?? []).map(prepareFile)] as const));
  const now = Date.now();

  if (store.sqlite) {
    const sqlite = store.sqlite;
    await store.db.connection().execute(() => inImmediateTransaction(sqlite, () => storeAlerts(sqliteWriter(sqlite), target, valid, files, context, now, results)));
    store.committed();
  } else {
    await store.db.transaction().execute(async (trx) => {
      // A write first, so that SQLite takes its write lock (waiting for it) before any read.
      await trx.updateTable("runs").set({ finished_at: null }).where("id", "=", target.runId).execute();
      await storeAlerts(queryBuilderWriter(trx), target, valid, files, context, now, results);
    });
  }

  const count = (outcome: AlertResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const stored = results.filter((r) => r.outcome === "ingested" || r.outcome === "duplicate").map((r) => r.display_id);
  return { committed: true, results, stored, ingested: count("ingested"), duplicates: count("duplicate"), failed: count("failed") };
}

function prepareFile(file: { fileName: string; contentType: string; data: Uint8Array }) {
  return {
    file_name: file.fileName,
    content_type: file.contentType,
    size: file.data.byteLength,
    sha256: crypto.createHash("sha256").update(file.data).digest("hex"),
    // A Buffer view (no copy): the drivers bind Buffers as blobs.
    data: Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength),
    encoding: "identity" as const,
  };
}

/** The writer through the query builder: PostgreSQL (and any database kysely speaks). */
function queryBuilderWriter(trx: Transaction<Database>): IngestWriter {
  return {
    lookup: queryBuilderLookup(trx),
    async existing(ids) {
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        for (const row of await trx.selectFrom("alerts").select("alert_id").where("alert_id", "in", ids.slice(i, i + IN_CHUNK)).execute()) found.add(row.alert_id);
      }
      return found;
    },
    async insertCase(row) {
      const created = await trx.insertInto("cases").values({
        title: row.title, priority: row.priority, status: "open", environment: row.environment, created_at: row.created_at, updated_at: row.created_at,
        alert_count: 1, first_seen: row.first_seen, last_seen: row.first_seen,
      }).returning("id").executeTakeFirstOrThrow();
      return created.id;
    },
    async linkCases(caseId, linkedCaseId, reason, at) {
      await trx.insertInto("case_links").values([
        { case_id: caseId, linked_case_id: linkedCaseId, reason, created_at: at },
        { case_id: linkedCaseId, linked_case_id: caseId, reason, created_at: at },
      ]).execute();
    },
    insertAlert: async (row) => (await trx.insertInto("alerts").values(row).returning("id").executeTakeFirstOrThrow()).id,
    async insertEvents(rows) {
      if (rows.length) await trx.insertInto("events").values(rows).execute();
    },
    async insertEntities(rows) {
      for (let i = 0; i < rows.length; i += IN_CHUNK) await trx.insertInto("entities").values(rows.slice(i, i + IN_CHUNK)).execute();
    },
    async insertFiles(alertPk, files) {
      for (const file of files) await trx.insertInto("alert_files").values({ ...file, alert_pk: alertPk }).execute();
    },
    addKeys: (caseId, alertPk, keys, environment, at) => addKeys(trx, caseId, alertPk, keys, environment, at),
    refreshCase: (caseId, now) => refreshCase(trx, caseId, now),
    writeContext: (connectorId, context) => writeContext(trx, connectorId, context),
  };
}

/** Saves context outside a package (at the end of a run that returned nothing after setting it). */
export async function saveContext(store: Store, connectorId: number, context: Record<string, string | null>): Promise<void> {
  if (Object.keys(context).length === 0) return;
  await store.db.transaction().execute((trx) => writeContext(trx, connectorId, context));
}

async function writeContext(trx: Transaction<Database>, connectorId: number, context: Record<string, string | null>): Promise<void> {
  for (const [key, value] of Object.entries(context)) {
    await trx.deleteFrom("connector_context").where("connector_id", "=", connectorId).where("key", "=", key).execute();
    if (value !== null) await trx.insertInto("connector_context").values({ connector_id: connectorId, key, value }).execute();
  }
}

export async function loadContext(store: Store, connectorId: number): Promise<Record<string, string>> {
  const rows = await store.db.selectFrom("connector_context").select(["key", "value"]).where("connector_id", "=", connectorId).execute();
  return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}
