// AlertInfo and the event record: the package a connector hands to the platform.
import { Priority } from "./priority.js";

/**
 * One event of an alert: SPEC.md's mandatory fields plus any the connector adds.
 * As in the guide, an event is an open record.
 */
export interface EventRecord {
  StartTime: number;
  EndTime: number;
  event_name: string;
  device_product: string;
  [field: string]: unknown;
}

/** An indicator found by the connector, shown as an entity on the case. */
export interface Entity {
  type: string;
  value: string;
  /** Where it was found: "body", "html href", "header From"… */
  source?: string;
  [attribute: string]: unknown;
}

/** A file kept with the case (the original message, for instance). */
export interface AlertAttachment {
  fileName: string;
  contentType: string;
  data: Uint8Array;
}

/**
 * An alert, built field by field as in the guide (`new AlertInfo()` then assignments).
 * `display_id` is its unique id: each alert id is ingested only once.
 */
export class AlertInfo {
  display_id = "";
  ticket_id = "";
  name = "";
  rule_generator = "";
  start_time = 0;
  end_time = 0;
  priority: number = Priority.MEDIUM;
  device_vendor = "";
  device_product = "";
  environment = "";
  events: EventRecord[] = [];
  /** Extra key/value data shown with the alert. */
  extensions: Record<string, unknown> = {};
  /** Indicators found by the connector. */
  entities: Entity[] = [];
  /** Files kept with the case. */
  attachments: AlertAttachment[] = [];
  /** Notes for the analyst: what could not be read, which bound was hit. */
  notes: string[] = [];
}
