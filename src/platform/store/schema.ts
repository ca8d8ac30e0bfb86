// The database's tables as TypeScript types, shared by SQLite and PostgreSQL.
import type { Generated } from "kysely";
import type { EntityRole } from "../../sdk/alert.js";
import type { CaseStatus, GroupingMode, UserRole, Verdict } from "../../sdk/vocabulary.js";

export type { CaseStatus, GroupingMode, UserRole };

/** Unix epoch milliseconds. */
type Millis = number;

export interface IntegrationTable {
  name: string;
  slug: string;
  /** Folder of the integration package (imported ones are copied under the data folder). */
  dir: string;
  builtin: number;
  updated_at: Millis;
}

export interface ConnectorTable {
  id: Generated<number>;
  name: string;
  integration: string;
  definition: string;
  /** JSON of the parameter values; secret ones are encrypted (see platform/secrets). */
  parameters: string;
  enabled: number;
  interval_seconds: number;
  /** JSON array: SecOps' allow-list, readable by the connector's code. */
  allow_list: string;
  created_at: Millis;
  updated_at: Millis;
  grouping_mode: Generated<GroupingMode>;
  grouping_window_hours: Generated<number>;
  grouping_max_alerts: Generated<number>;
}

export interface ConnectorContextTable {
  connector_id: number;
  key: string;
  value: string;
}

export interface ConnectorLockTable {
  connector_id: number;
  owner: string;
  expires_at: Millis;
}

export type RunStatus = "running" | "succeeded" | "failed" | "timed_out" | "interrupted";

export interface RunTable {
  id: Generated<number>;
  connector_id: number;
  is_test: number;
  status: RunStatus;
  started_at: Millis;
  finished_at: Millis | null;
  fetched: Generated<number>;
  alerts: Generated<number>;
  ingested: Generated<number>;
  duplicates: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  error: string | null;
  /** JSON array of log entries, bounded in size. */
  logs: string;
  owner: string;
  /** Queue mode: the `intake worker` that ran it (workers.id); null for embedded serve and the CLI. */
  worker_id: Generated<string | null>;
}

export interface WorkerTable {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  started_at: Millis;
  heartbeat_at: Millis;
  stopped_at: Millis | null;
  runs_active: Generated<number>;
}

export interface CaseTable {
  id: Generated<number>;
  title: string;
  priority: number;
  status: CaseStatus;
  environment: string;
  created_at: Millis;
  updated_at: Millis;
  alert_count: Generated<number>;
  /** Earliest and latest start_time of its alerts (Unix ms). */
  first_seen: Generated<Millis>;
  last_seen: Generated<Millis>;
  /** Why it was closed (migration 0003). */
  closed_reason: Generated<string | null>;
  /** The case's verdict (migration 0015); null: none yet. */
  verdict: Generated<Verdict | null>;
  verdict_score: Generated<number | null>;
  /** JSON array of strings. */
  verdict_reasons: Generated<string | null>;
  /** `playbook:<name>`, an action's actor, or the analyst who overrode it. */
  verdict_set_by: Generated<string | null>;
  verdict_set_at: Generated<Millis | null>;
  /** 1: an analyst's override, which verdicts from actions do not replace. */
  verdict_overridden: Generated<number>;
  /** JSON array of the verdict's evidence items (migration 0018); null: none kept. */
  verdict_evidence: Generated<string | null>;
}

/** Every verdict set on a case, applied or not (migration 0015). */
export interface CaseVerdictTable {
  id: Generated<number>;
  case_id: number;
  value: Verdict;
  score: number | null;
  /** JSON array of strings. */
  reasons: string;
  set_by: string;
  override: number;
  comment: string | null;
  /** 0: an action's verdict kept out by an analyst's override. */
  applied: number;
  created_at: Millis;
  /** JSON array of evidence items (migration 0018); null: none kept. */
  evidence: Generated<string | null>;
}

export interface AlertTable {
  id: Generated<number>;
  case_id: number;
  connector_id: number;
  run_id: number;
  /** The alert's unique id (display_id): ingested only once. */
  alert_id: string;
  ticket_id: string;
  name: string;
  priority: number;
  product: string;
  vendor: string;
  rule_generator: string;
  environment: string;
  start_time: Millis;
  end_time: Millis;
  /** JSON: extensions and notes. */
  data: string;
  created_at: Millis;
}

export interface EventTable {
  id: Generated<number>;
  alert_pk: number;
  position: number;
  /** The value of the connector's Event Field Name (event_name). */
  event_type: string;
  /** The value of the connector's Product Field Name (device_product). */
  product: string;
  start_time: Millis;
  end_time: Millis;
  /** JSON of every field of the event, as the connector returned it. */
  data: string;
}

export interface EntityTable {
  id: Generated<number>;
  alert_pk: number;
  case_id: number;
  type: string;
  value: string;
  /** valueHash(value), indexed: lookups compare both (every writer sets it). */
  value_hash: number;
  /** Free text for display only: the platform reads `role` and `depth` (migration 0011). */
  source: string;
  /** What the entity is to the reported item (the SDK's ENTITY_ROLES); null: none. */
  role: EntityRole | null;
  /** 0: found in the item the connector read; 1: in an item forwarded in it… */
  depth: number;
  data: string;
}

export interface AlertFileTable {
  id: Generated<number>;
  alert_pk: number;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  /** The file's bytes, as `encoding` says. */
  data: Uint8Array;
  /** "identity": the bytes as they came; "gzip": compressed (rows stored before 0007). */
  encoding: Generated<FileEncoding>;
}

export type FileEncoding = "identity" | "gzip";

/** What a case is found by when new alerts are grouped: inner Message-ID, subject, URL, file hash. */
export interface CaseKeyTable {
  case_id: number;
  alert_pk: number;
  kind: "message_id" | "subject" | "url" | "file";
  value: string;
  /** valueHash(value), indexed: lookups compare both (every writer sets it). */
  value_hash: number;
  environment: string;
  created_at: Millis;
}

export interface CaseLinkTable {
  case_id: number;
  linked_case_id: number;
  reason: string;
  created_at: Millis;
}

/** Who did what to a case, and when: merges, alerts moved out, grouping decisions. */
/** Each import of an integration package that changed its files: the package's own files, to diff and restore. */
export interface IntegrationVersionTable {
  id: Generated<number>;
  integration: string;
  version: number;
  /** sha256 of the files. */
  digest: string;
  /** JSON: relative path → text (base64 with a "base64:" prefix for binary files such as a PNG icon). */
  files: string;
  created_at: Millis;
}

export interface Database {
  integrations: IntegrationTable;
  connectors: ConnectorTable;
  connector_context: ConnectorContextTable;
  connector_locks: ConnectorLockTable;
  runs: RunTable;
  workers: WorkerTable;
  cases: CaseTable;
  alerts: AlertTable;
  events: EventTable;
  entities: EntityTable;
  alert_files: AlertFileTable;
  case_keys: CaseKeyTable;
  case_links: CaseLinkTable;
  integration_versions: IntegrationVersionTable;
  users: UserTable;
  sessions: SessionTable;
  case_comments: CaseCommentTable;
  case_history: CaseHistoryTable;
  action_runs: ActionRunTable;
  integration_settings: IntegrationSettingsTable;
  job_settings: JobSettingsTable;
  job_runs: JobRunTable;
  playbooks: PlaybookTable;
  feeds: FeedTable;
  indicators: IndicatorTable;
  indicator_staging: IndicatorStagingTable;
  playbook_runs: PlaybookRunTable;
  playbook_steps: PlaybookStepTable;
  playbook_triggers: PlaybookTriggerTable;
  queue_jobs: QueueJobTable;
  case_verdicts: CaseVerdictTable;
  outbox: OutboxTable;
  reply_templates: ReplyTemplateTable;
  custom_lists: CustomListTable;
  mailbox_moves: MailboxMoveTable;
}

export interface UserTable {
  id: Generated<number>;
  name: string;
  role: UserRole;
  /** scrypt$N$r$p$salt$hash (base64). */
  password_hash: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface SessionTable {
  /** SHA-256 (hex) of the cookie's token. */
  token_hash: string;
  user_id: number;
  csrf_token: string;
  created_at: Millis;
  expires_at: Millis;
}

export interface CaseCommentTable {
  id: Generated<number>;
  case_id: number;
  user_name: string;
  body: string;
  created_at: Millis;
}

export interface CaseHistoryTable {
  id: Generated<number>;
  case_id: number;
  user_name: string;
  /**
   * "status" | "priority": from_value → to_value. "merge": the cases merged in (comma-separated) → this one;
   * "merged_into": this case → the one it was merged into; "move_out" / "moved_in": the alert's case before
   * → after, with alert_id.
   */
  kind: string;
  from_value: string;
  to_value: string;
  reason: string | null;
  alert_id: string | null;
  created_at: Millis;
}

export type ActionRunStatus = "completed" | "failed" | "timed_out";

/** One run of an action on a case (migration 0012). JSON columns are text. */
export interface ActionRunTable {
  id: Generated<number>;
  case_id: number;
  integration: string;
  action: string;
  /** JSON of the parameter values the action ran with; secret values masked. */
  params: string;
  /** A user's name, or `playbook:<name>`. */
  actor: string;
  status: ActionRunStatus;
  /** JSON of the result value (string, number, boolean or null). */
  result_value: string | null;
  message: string;
  result_json: string | null;
  entity_updates: string;
  insights: string;
  logs: string;
  /** JSON {code, message}. */
  error: string | null;
  idempotency_key: string | null;
  playbook_run_id: number | null;
  step_id: string | null;
  started_at: Millis;
  finished_at: Millis;
  /** JSON of the case changes the action staged (verdict, priority, close), applied with the run (migration 0015). */
  case_updates: Generated<string | null>;
}

/** An integration's own parameters (integration.json), keyed by its short name; secrets encrypted. */
export interface IntegrationSettingsTable {
  integration: string;
  parameters: string;
  updated_at: Millis;
}

/** A job scheduled by `intake job schedule`: parameters (secrets encrypted), interval, its context. */
export interface JobSettingsTable {
  id: Generated<number>;
  /** The integration's short name. */
  integration: string;
  /** The job's name as its definition gives it. */
  job: string;
  parameters: string;
  interval_seconds: number;
  enabled: number;
  /** JSON key → string: what the job saved with saveContext / saveTimestamp. */
  context: string;
  updated_at: Millis;
}

export interface JobRunTable {
  id: Generated<number>;
  integration: string;
  job: string;
  is_test: number;
  status: RunStatus;
  error: string | null;
  logs: string;
  started_at: Millis;
  finished_at: Millis | null;
}

/** A playbook (migration 0013): its JSON document, on or off, its configured parameters. */
export interface PlaybookTable {
  name: string;
  definition: string;
  enabled: number;
  /** JSON of its configured parameter values. */
  parameters: string;
  /** The integration whose package brought it, null when imported alone. */
  source_integration: string | null;
  updated_at: Millis;
}

export type PlaybookRunStatus = "running" | "completed" | "failed" | "stopped";

export interface PlaybookRunTable {
  id: Generated<number>;
  playbook: string;
  case_id: number;
  status: PlaybookRunStatus;
  /** The playbook's document when the run started: an edit does not change a run under way. */
  definition: string;
  error: string | null;
  started_at: Millis;
  finished_at: Millis | null;
}

/** "waiting": for something outside Intake (the reporter's answer), ended by its step kind's sweep. */
export type PlaybookStepStatus =
  | "pending"
  | "running"
  | "waiting_approval"
  | "waiting"
  | "completed"
  | "failed"
  | "timed_out"
  | "skipped"
  | "rejected";

export interface PlaybookStepTable {
  run_id: number;
  step_id: string;
  action: string;
  /** JSON: the parameters after placeholders. */
  inputs: string | null;
  status: PlaybookStepStatus;
  attempts: number;
  /** JSON of the result value. */
  result_value: string | null;
  result_json: string | null;
  message: string | null;
  logs: string | null;
  /** JSON {code, message}. */
  error: string | null;
  action_run_id: number | null;
  approval_by: string | null;
  approval_at: Millis | null;
  /** "stop": the time limit passed on a step whose approval stops the run. */
  approval_decision: "approve" | "reject" | "stop" | null;
  approval_comment: string | null;
  /** When an approval's wait ends. */
  due_at: Millis | null;
  started_at: Millis | null;
  finished_at: Millis | null;
}

export interface PlaybookTriggerTable {
  case_id: number;
  created_at: Millis;
}

export type QueueJobState = "created" | "active" | "completed" | "failed";

/** The embedded queue's jobs (pg-boss's job table, in small). */
export interface QueueJobTable {
  id: Generated<number>;
  name: string;
  data: string;
  state: QueueJobState;
  singleton_key: string | null;
  start_after: Millis;
  retry_limit: number;
  retry_count: number;
  /** Seconds. */
  retry_delay: number;
  retry_backoff: number;
  owner: string | null;
  output: string | null;
  created_at: Millis;
  started_at: Millis | null;
  completed_at: Millis | null;
}

/** A threat-intel feed (migration 0014): where it is read from, its last refresh and last error. */
export interface FeedTable {
  id: Generated<number>;
  name: string;
  format: string;
  source: string;
  interval_seconds: number;
  indicators: number;
  refreshed_at: Millis | null;
  error: string | null;
  error_at: Millis | null;
  created_at: Millis;
  /** Source reliability, A (completely reliable) to F (cannot be judged) (migration 0018). */
  reliability: Generated<string>;
  /** The process refreshing the feed (`host:pid:random:start`), null when none is (migration 0019). */
  refresh_owner: Generated<string | null>;
  /** Until when a holder on another machine keeps the lease without renewing it (migration 0019). */
  refresh_expires_at: Generated<Millis | null>;
}

/** One indicator of a feed: `value` is its match key, `shown` the text as the feed wrote it. */
export interface IndicatorTable {
  id: Generated<number>;
  feed_id: number;
  kind: string;
  value: string;
  value_hash: number;
  shown: string;
  threat: string | null;
  tags: string | null;
  first_seen: Millis;
  last_seen: Millis;
}

/** Indicators of a refresh under way, committed into `indicators` when its job ends well. */
export interface IndicatorStagingTable extends Pick<IndicatorTable, "kind" | "value" | "value_hash" | "shown" | "threat" | "tags"> {
  refresh: string;
  created_at: Millis;
}

/** pending → sending → sent; a refused or failed attempt → retrying (due again later); given_up: no more tries. */
export type OutboxStatus = "pending" | "sending" | "sent" | "retrying" | "given_up";

/** One message to one recipient (migration 0016). */
export interface OutboxTable {
  id: Generated<number>;
  case_id: number;
  action_run_id: number | null;
  dedupe_key: string;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  in_reply_to: string | null;
  reference_ids: string | null;
  language: string | null;
  message_id: string;
  status: OutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: Millis;
  claimed_at: Millis | null;
  data_at: Millis | null;
  last_error: string | null;
  smtp_response: string | null;
  /** JSON list of {at, outcome, detail}: each attempt, shown on the case wall. */
  attempt_log: Generated<string>;
  created_at: Millis;
  sent_at: Millis | null;
}

/** A reply template an admin edited (the package's defaults apply where there is none). */
export interface ReplyTemplateTable {
  verdict: string;
  language: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  updated_by: string;
  updated_at: Millis;
}

/** An admin's edit of a custom list (migration 0018): it replaces the package's default file. */
export interface CustomListTable {
  name: string;
  /** JSON array of strings. */
  entries: string;
  updated_by: string;
  updated_at: Millis;
}

/** moving → quarantined | abandoned | gone; quarantined → restoring → restored | missing. */
export type MailboxMoveStatus = "moving" | "quarantined" | "abandoned" | "gone" | "restoring" | "restored" | "missing";

/** One copy of a reported mail moved to a mailbox's quarantine folder and perhaps back (migration 0019). */
export interface MailboxMoveTable {
  id: Generated<number>;
  case_id: number;
  integration: string;
  mailbox: string;
  folder: string;
  uid_validity: string;
  uid: number;
  message_id: string;
  quarantine_folder: string;
  quarantine_uid_validity: string | null;
  quarantine_uid: number | null;
  status: MailboxMoveStatus;
  /** The idempotency key of the Purge Email run; action_run_id once that run is recorded. */
  run_key: string;
  action_run_id: number | null;
  restore_run_key: string | null;
  restore_action_run_id: number | null;
  restored_uid: number | null;
  detail: string | null;
  created_at: Millis;
  moved_at: Millis | null;
  restored_at: Millis | null;
}
