// What ingest stores for a package, decided once: duplicates, the case each new alert joins or opens,
// its rows and grouping keys, the connector's context. Where the rows go is a writer's business
// (prepared SQLite statements, or the query builder for any database), inside the caller's transaction.
import type { EntityRole } from "../../sdk/alert.js";
import type { AlertResult } from "../../sdk/execution.js";
import { decideCase, DEFAULT_GROUPING, displaySubject, keysOf, type AlertKeys, type CaseKeyLookup } from "../grouping/index.js";
import { valueHash } from "../store/value-hash.js";
import type { IngestTarget } from "./index.js";
import type { ValidAlert } from "./validate.js";

export interface StoredFile {
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  data: Uint8Array;
  encoding: "identity" | "gzip";
}

export interface CaseRow { title: string; priority: number; environment: string; created_at: number; first_seen: number }
export interface AlertRow {
  case_id: number; connector_id: number; run_id: number; alert_id: string; ticket_id: string; name: string; priority: number;
  product: string; vendor: string; rule_generator: string; environment: string; start_time: number; end_time: number; data: string; created_at: number;
}
export interface EventRow { alert_pk: number; position: number; event_type: string; product: string; start_time: number; end_time: number; data: string }
export interface EntityRow { alert_pk: number; case_id: number; type: string; value: string; value_hash: number; source: string; role: EntityRole | null; depth: number; data: string }

/** The reads and writes ingest makes, in one transaction the caller opened. */
export interface IngestWriter {
  lookup: CaseKeyLookup;
  /** Which of these alert ids are stored already. */
  existing(ids: string[]): Promise<Set<string>>;
  /** A new open case of one alert; returns its id. */
  insertCase(row: CaseRow): Promise<number>;
  /** Links two cases both ways. */
  linkCases(caseId: number, linkedCaseId: number, reason: string, at: number): Promise<void>;
  insertAlert(row: AlertRow): Promise<number>;
  insertEvents(rows: EventRow[]): Promise<void>;
  insertEntities(rows: EntityRow[]): Promise<void>;
  insertFiles(alertPk: number, files: StoredFile[]): Promise<void>;
  addKeys(caseId: number, alertPk: number, keys: AlertKeys, environment: string, at: number): Promise<void>;
  refreshCase(caseId: number, now: number): Promise<void>;
  writeContext(connectorId: number, context: Record<string, string | null>): Promise<void>;
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** Stores the new alerts of a package (each alert id once) and the connector's context. */
export async function storeAlerts(
  writer: IngestWriter,
  target: IngestTarget,
  valid: ValidAlert[],
  files: Map<ValidAlert, StoredFile[]>,
  context: Record<string, string | null>,
  now: number,
  results: AlertResult[],
): Promise<void> {
  const settings = target.grouping ?? DEFAULT_GROUPING;
  const existing = await writer.existing([...new Set(valid.map((a) => a.display_id))]);
  for (const alert of valid) {
    if (existing.has(alert.display_id)) {
      results.push({ display_id: alert.display_id, outcome: "duplicate" });
      continue;
    }
    existing.add(alert.display_id);
    const product = text(alert.events[0]![target.productFieldName]) || alert.device_product;
    const environment = alert.environment || "Default";
    const keys = keysOf(alert);
    const decision = await decideCase(writer.lookup, keys, environment, settings, alert.start_time);
    let caseId: number;
    if (decision.caseId !== undefined) {
      caseId = decision.caseId;
    } else {
      caseId = await writer.insertCase({
        // A campaign case is titled by the shared subject, without the reporters' "FW:" prefixes.
        title: (settings.mode === "off" ? alert.name : displaySubject(alert.name)) || "(no subject)",
        priority: alert.priority, environment, created_at: now, first_seen: alert.start_time,
      });
      if (decision.linkTo) await writer.linkCases(caseId, decision.linkTo.caseId, decision.linkTo.reason, now);
    }
    const alertPk = await writer.insertAlert({
      case_id: caseId, connector_id: target.connectorId, run_id: target.runId, alert_id: alert.display_id,
      ticket_id: alert.ticket_id || alert.display_id, name: alert.name, priority: alert.priority, product,
      vendor: alert.device_vendor, rule_generator: alert.rule_generator, environment, start_time: alert.start_time, end_time: alert.end_time,
      data: JSON.stringify({ extensions: alert.extensions ?? {}, notes: alert.notes ?? [], ...(decision.caseId !== undefined ? { groupedBy: decision.by } : {}) }),
      created_at: now,
    });
    await writer.insertEvents(alert.events.map((event, position) => ({
      alert_pk: alertPk, position, event_type: text(event[target.eventFieldName]), product: text(event[target.productFieldName]),
      start_time: event.StartTime, end_time: event.EndTime, data: JSON.stringify(event),
    })));
    await writer.insertEntities((alert.entities ?? []).map(({ type, value, source, role, depth, ...data }) => ({
      alert_pk: alertPk, case_id: caseId, type, value, value_hash: valueHash(value), source: source ?? "", role: role ?? null, depth: depth ?? 0, data: JSON.stringify(data),
    })));
    await writer.insertFiles(alertPk, files.get(alert) ?? []);
    await writer.addKeys(caseId, alertPk, keys, environment, alert.start_time);
    if (decision.caseId !== undefined) await writer.refreshCase(caseId, now);
    results.push({ display_id: alert.display_id, outcome: "ingested", caseId });
  }
  await writer.writeContext(target.connectorId, context);
}
