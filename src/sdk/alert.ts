// AlertInfo and the event record: the package a connector hands to the platform.
import { Priority } from "./vocabulary.js";

/**
 * One event of an alert: the mandatory fields of docs/interfaces.md#alert-and-event-fields plus any the connector adds.
 * As in the guide, an event is an open record.
 */
export interface EventRecord {
  StartTime: number;
  EndTime: number;
  event_name: string;
  device_product: string;
  [field: string]: unknown;
}

/**
 * What an entity is to the reported item, as SecOps' ontology sides an event (source, destination):
 * `sender` sent it, `recipient` received it, `reporter` reported it to the connector's source (who
 * forwarded it to the phishing mailbox, for instance). Any other entity has no role. The platform reads
 * these, never the `source` label: the case queue's sender, the overview, the reporter of each report.
 */
export const ENTITY_ROLES = ["sender", "recipient", "reporter"] as const;
export type EntityRole = (typeof ENTITY_ROLES)[number];

/** Deepest forward depth an entity may carry (the email connector reads 3 levels). */
export const MAX_ENTITY_DEPTH = 100;

/** An indicator found by the connector, shown as an entity on the case. */
export interface Entity {
  type: string;
  value: string;
  /** Where it was found, free text for display: "body", "html link", "forwarded header From"… */
  source?: string;
  /** What it is to the reported item (absent: none). */
  role?: EntityRole;
  /**
   * How deeply forwarded the item it was found in is: 0 (the default) the item the connector read
   * itself, 1 an item forwarded in it, 2 one forwarded in that… The reported sender is the deepest
   * `sender`; the reporter the shallowest `reporter` (none: the recipients at depth 0, who got it).
   */
  depth?: number;
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
