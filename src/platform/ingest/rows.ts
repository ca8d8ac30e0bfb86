// The rows ingest writes, described once for both of its writers (prepared SQLite statements and the query
// builder): each table's columns, and how an alert, its events, entities, files and grouping keys map to them.
// A new column is one name in COLUMNS and one field where its row is made.
import crypto from "node:crypto";
import type { Selectable } from "kysely";
import type { AlertAttachment } from "../../sdk/alert.js";
import type { AlertKeys } from "../grouping/index.js";
import type { Database } from "../store/schema.js";
import { valueHash } from "../store/value-hash.js";
import type { ValidAlert } from "./validate.js";

/** The columns ingest sets, per table (generated ones, like id, left to the database). */
export const COLUMNS = {
  cases: ["title", "priority", "status", "environment", "created_at", "updated_at", "alert_count", "first_seen", "last_seen"],
  case_links: ["case_id", "linked_case_id", "reason", "created_at"],
  alerts: [
    "case_id",
    "connector_id",
    "run_id",
    "alert_id",
    "ticket_id",
    "name",
    "priority",
    "product",
    "vendor",
    "rule_generator",
    "environment",
    "start_time",
    "end_time",
    "data",
    "created_at",
  ],
  events: ["alert_pk", "position", "event_type", "product", "start_time", "end_time", "data"],
  entities: ["alert_pk", "case_id", "type", "value", "value_hash", "source", "role", "depth", "data"],
  alert_files: ["alert_pk", "file_name", "content_type", "size", "sha256", "data", "encoding"],
  case_keys: ["kind", "value", "value_hash", "case_id", "alert_pk", "environment", "created_at"],
} as const satisfies { [T in keyof Database]?: readonly (keyof Database[T] & string)[] };

export type Table = keyof typeof COLUMNS;

/** A row of a table as ingest writes it: exactly the columns COLUMNS names. */
export type Row<T extends Table> = Pick<Selectable<Database[T]>, (typeof COLUMNS)[T][number] & keyof Selectable<Database[T]>>;

/** A file's row before its alert has an id. */
export type FileRow = Omit<Row<"alert_files">, "alert_pk">;

/** Whose rows these are, and which event fields give the product and the event type. */
export interface RowSource {
  connectorId: number;
  runId: number;
  /** The event field whose value is the alert's product (Product Field Name). */
  productFieldName: string;
  /** The event field whose value is the event's type (Event Field Name). */
  eventFieldName: string;
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

/** The environment an alert is stored in (and grouped within). */
export function environmentOf(alert: ValidAlert): string {
  return alert.environment || "Default";
}

/** A new open case of one alert. */
export function caseRow(title: string, alert: ValidAlert, now: number): Row<"cases"> {
  return {
    title,
    priority: alert.priority,
    status: "open",
    environment: environmentOf(alert),
    created_at: now,
    updated_at: now,
    alert_count: 1,
    first_seen: alert.start_time,
    last_seen: alert.start_time,
  };
}

/** Two cases linked both ways. */
export function linkRows(caseId: number, linkedCaseId: number, reason: string, at: number): Row<"case_links">[] {
  return [
    { case_id: caseId, linked_case_id: linkedCaseId, reason, created_at: at },
    { case_id: linkedCaseId, linked_case_id: caseId, reason, created_at: at },
  ];
}

/** The alert in its case; `groupedBy` says why it joined a case it did not open. */
export function alertRow(source: RowSource, alert: ValidAlert, caseId: number, groupedBy: string | undefined, now: number): Row<"alerts"> {
  return {
    case_id: caseId,
    connector_id: source.connectorId,
    run_id: source.runId,
    alert_id: alert.display_id,
    ticket_id: alert.ticket_id || alert.display_id,
    name: alert.name,
    priority: alert.priority,
    product: text(alert.events[0]![source.productFieldName]) || alert.device_product,
    vendor: alert.device_vendor,
    rule_generator: alert.rule_generator,
    environment: environmentOf(alert),
    start_time: alert.start_time,
    end_time: alert.end_time,
    data: JSON.stringify({
      extensions: alert.extensions ?? {},
      notes: alert.notes ?? [],
      ...(groupedBy !== undefined ? { groupedBy } : {}),
    }),
    created_at: now,
  };
}

export function eventRows(source: RowSource, alert: ValidAlert, alertPk: number): Row<"events">[] {
  return alert.events.map((event, position) => ({
    alert_pk: alertPk,
    position,
    event_type: text(event[source.eventFieldName]),
    product: text(event[source.productFieldName]),
    start_time: event.StartTime,
    end_time: event.EndTime,
    data: JSON.stringify(event),
  }));
}

/** The alert's entities under its case: their own fields in columns, any other attribute in data. */
export function entityRows(alert: ValidAlert, alertPk: number, caseId: number): Row<"entities">[] {
  return (alert.entities ?? []).map(({ type, value, source, role, depth, ...data }) => ({
    alert_pk: alertPk,
    case_id: caseId,
    type,
    value,
    value_hash: valueHash(value),
    source: source ?? "",
    role: role ?? null,
    depth: depth ?? 0,
    data: JSON.stringify(data),
  }));
}

/** A file as it is stored, hashed (before the transaction: hashing a large file holds no lock). */
export function fileRow(file: AlertAttachment): FileRow {
  return {
    file_name: file.fileName,
    content_type: file.contentType,
    size: file.data.byteLength,
    sha256: crypto.createHash("sha256").update(file.data).digest("hex"),
    // Stored as they came: gzip (level 1) cost the platform's process about a fifth of its time for a
    // third of the size of mail. A Buffer view (no copy): the drivers bind Buffers as blobs.
    data: Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength),
    encoding: "identity",
  };
}

/** The alert's grouping keys under its case, for later alerts to find. */
export function keyRows(caseId: number, alertPk: number, keys: AlertKeys, environment: string, at: number): Row<"case_keys">[] {
  const row = (kind: Row<"case_keys">["kind"], value: string): Row<"case_keys"> => ({
    kind,
    value,
    value_hash: valueHash(value),
    case_id: caseId,
    alert_pk: alertPk,
    environment,
    created_at: at,
  });
  return [
    ...keys.messageIds.map((value) => row("message_id", value)),
    ...(keys.subject ? [row("subject", keys.subject)] : []),
    ...keys.urls.map((value) => row("url", value)),
    ...keys.files.map((value) => row("file", value)),
  ];
}
