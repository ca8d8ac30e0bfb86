// What ingest's parts share: where a package goes (IngestTarget) and what a writer does (IngestWriter),
// in a module of their own so that the parts import no one another in a loop.
import type { CaseKeyLookup, GroupingSettings } from "../grouping/index.js";
import type { Row } from "./rows.js";

export interface IngestTarget {
  connectorId: number;
  runId: number;
  /** The event field whose value is the alert's product (Product Field Name). */
  productFieldName: string;
  /** The event field whose value is the event's type (Event Field Name). */
  eventFieldName: string;
  /** How alerts are grouped into cases (default: by campaign). */
  grouping?: GroupingSettings;
  /** Event field → entity type (the connector definition's entityMapping). */
  entityMapping?: Record<string, string> | undefined;
}

/**
 * The reads and writes ingest makes, in one transaction the caller opened: prepared SQLite statements
 * or the query builder, both writing the rows of rows.ts.
 */
export interface IngestWriter {
  lookup: CaseKeyLookup;
  /** Which of these alert ids are stored already. */
  existing(ids: string[]): Promise<Set<string>>;
  /** Inserts one row; returns its id. */
  insertOne<T extends "cases" | "alerts">(table: T, row: Row<T>): Promise<number>;
  /** Inserts rows, in their order. */
  insert<T extends "events" | "entities" | "alert_files" | "case_keys" | "case_links">(table: T, rows: Row<T>[]): Promise<void>;
  refreshCase(caseId: number, now: number): Promise<void>;
  writeContext(connectorId: number, context: Record<string, string | null>): Promise<void>;
}
