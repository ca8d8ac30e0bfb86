// Ingest: validate a package, map fields, store each new alert id once as a case, with the
// connector's checkpoint, in one transaction.
import type { AlertResult, PackageResult } from "../../sdk/execution.js";
import type { Insertable, Transaction } from "kysely";
import type { Database, Store } from "../store/index.js";
import { checkAlert, type ValidAlert } from "./validate.js";
import { withMappedEntities } from "./entity-mapping.js";
import { inImmediateTransaction, sqliteWriter } from "./sqlite.js";
import { storeAlerts } from "./store-alerts.js";
import { fileRow, type Table } from "./rows.js";
import type { IngestTarget, IngestWriter } from "./types.js";
import { queryBuilderLookup, refreshCase } from "../grouping/index.js";
import { wake } from "../store/wake.js";
import { claimNewAlert, type AlertClaim } from "../playbooks/steps/index.js";

export { checkAlert } from "./validate.js";
export type { ValidAlert } from "./validate.js";
export type { IngestTarget } from "./types.js";

export interface IngestOutcome extends PackageResult {
  ingested: number;
  duplicates: number;
  failed: number;
}

const IN_CHUNK = 500;
/** Rows per INSERT where 500 would be too many: a file's bytes can be megabytes. */
const CHUNK: Partial<Record<Table, number>> = { alert_files: 1 };

/** Validates a package without storing it (a test run): what ingest would accept or refuse. */
export function checkPackage(alerts: unknown[]): IngestOutcome {
  const results: AlertResult[] = alerts.map((raw, index) => {
    const check = checkAlert(raw, index);
    return check.ok
      ? { display_id: check.alert.display_id, outcome: "tested" }
      : { display_id: check.display_id, outcome: "failed", error: check.error };
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
    if (check.ok) valid.push(withMappedEntities(check.alert, target.entityMapping));
    else results.push({ display_id: check.display_id, outcome: "failed", error: check.error });
  });
  const files = new Map(valid.map((alert) => [alert, (alert.attachments ?? []).map(fileRow)] as const));
  const now = Date.now();
  // An alert a playbook step waits for (a reporter's answer) joins the case waiting rather than opening one.
  const claims = new Map<ValidAlert, AlertClaim>();
  for (const alert of valid) {
    const claim = await claimNewAlert(store.db, alert);
    if (claim) claims.set(alert, claim);
  }

  if (store.sqlite) {
    const sqlite = store.sqlite;
    const write = () => storeAlerts(sqliteWriter(sqlite), target, valid, files, context, now, results, claims);
    await store.db.connection().execute(() => inImmediateTransaction(sqlite, write));
    store.committed();
  } else {
    await store.db.transaction().execute(async (trx) => {
      // A write first, so that SQLite takes its write lock (waiting for it) before any read.
      await trx.updateTable("runs").set({ finished_at: null }).where("id", "=", target.runId).execute();
      await storeAlerts(queryBuilderWriter(trx), target, valid, files, context, now, results, claims);
    });
  }

  const count = (outcome: AlertResult["outcome"]) => results.filter((r) => r.outcome === outcome).length;
  const stored = results.filter((r) => r.outcome === "ingested" || r.outcome === "duplicate").map((r) => r.display_id);
  const ingested = count("ingested");
  // New alerts, so perhaps new cases: this process's playbook worker (under serve) looks now.
  if (ingested > 0) wake(store, "cases");
  return { committed: true, results, stored, ingested, duplicates: count("duplicate"), failed: count("failed") };
}

/** The writer through the query builder: PostgreSQL (and any database kysely speaks). */
function queryBuilderWriter(trx: Transaction<Database>): IngestWriter {
  return {
    lookup: queryBuilderLookup(trx),
    async existing(ids) {
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += IN_CHUNK) {
        for (const row of await trx
          .selectFrom("alerts")
          .select("alert_id")
          .where("alert_id", "in", ids.slice(i, i + IN_CHUNK))
          .execute())
          found.add(row.alert_id);
      }
      return found;
    },
    insertOne: async (table, row) =>
      (
        await trx
          .insertInto(table)
          .values(row as Insertable<Database[typeof table]>)
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id,
    async insert(table, rows) {
      const chunk = CHUNK[table] ?? IN_CHUNK;
      // kysely cannot type an insert into a table chosen at run time; Row<T> typed the rows.
      for (let i = 0; i < rows.length; i += chunk)
        await trx
          .insertInto(table)
          .values(rows.slice(i, i + chunk) as never[])
          .execute();
    },
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
