// Talks to /api: the session cookie rides along; the CSRF token goes in a header on every change.
import type { EntityRole } from "../../src/sdk/alert.js";
import type { ParameterType } from "../../src/sdk/parameter-types.js";
import type { GroupingMode } from "../../src/sdk/vocabulary.js";

export type { EntityRole };
let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export class ApiError extends Error {
  /** data: the whole error body (e.g. the diagnostics of a failed save). */
  constructor(readonly status: number, readonly code: string, message: string, readonly data?: unknown) {
    super(message);
  }
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`/api${path}`, {
    method, headers, credentials: "same-origin",
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new ApiError(response.status, data.error?.code ?? "HTTP", data.error?.message ?? response.statusText, data);
  return data as T;
}

export interface User { name: string; role: "admin" | "analyst" }

export interface CaseSummary {
  id: number; title: string; priority: number; status: string; created_at: number; updated_at: number;
  closed_reason: string | null; sender: string; urls: number; indicators: number; attachments: number;
  /** Reports grouped in the case. */
  alert_count: number;
  verdict: string | null; verdict_score: number | null;
}

/** `source` is the connector's label, shown as it is; `role` and `depth` are what the console reads. */
export interface Entity { type: string; value: string; source: string; role: EntityRole | null; depth: number }
export interface Alert {
  display_id: string; ticket_id: string; name: string; rule_generator: string; start_time: number; end_time: number; priority: number;
  device_vendor: string; device_product: string; environment: string; extensions: Record<string, unknown>; notes: string[];
  entities: Entity[]; events: Record<string, unknown>[];
  /** Who reported it, from its entities' roles (the platform's reporting.ts). */
  reporters: string[];
  /** Why ingest put the alert in this case (absent for the alert that opened it). */
  grouped_by?: string;
}
export interface Comment { id: number; user_name: string; body: string; created_at: number }
export interface HistoryEntry { id: number; user_name: string; kind: string; from_value: string; to_value: string; reason: string | null; alert_id: string | null; created_at: number }
export interface Timeline { comments: Comment[]; history: HistoryEntry[] }
export interface CaseDetail extends Timeline {
  id: number; title: string; priority: number; status: string; created_at: number; closed_reason: string | null;
  alert_count: number; first_seen: number; last_seen: number; links: { case_id: number; reason: string }[];
  alerts: Alert[]; files: { id: number; file_name: string; content_type: string; size: number; sha256: string; alert_id: string }[]; hasEml: boolean;
  verdictInfo: VerdictView["verdictInfo"]; verdictHistory: VerdictView["verdictHistory"];
}

/** A case's verdict with who set it, and every verdict set (POST /cases/:id/verdict answers it too). */
export interface VerdictView {
  verdictInfo: { value: string; score: number | null; reasons: string[]; evidence?: VerdictEvidence[]; setBy: string; setAt: number; overridden: boolean } | null;
  verdictHistory: { value: string; score: number | null; reasons: string[]; setBy: string; override: boolean; comment: string | null; applied: boolean; createdAt: number }[];
}

/** One item a verdict rests on (the platform's VerdictEvidence): every text in it comes from mail or feeds, shown as text. */
export interface VerdictEvidence {
  kind: "feed" | "earlier-case" | "signal" | "authentication" | "simulation";
  /** Signed points this item added (negative: it spoke for benign). */
  weight: number;
  reason: string;
  indicator?: string;
  feed?: string; reliability?: string;
  caseId?: number; decidedBy?: string;
}

/** requiredWhen: the parameter must be filled while another parameter has this value. */
export interface Parameter {
  name: string; type: ParameterType; default?: string | number | boolean; required?: boolean; requiredUnless?: string; description?: string;
  requiredWhen?: { param: string; equals: string };
}

/** A custom list (GET /api/lists): its entries, and who edited it when an admin replaced the default. */
export interface CustomList { name: string; entries: string[]; edited: boolean; updatedBy?: string; updatedAt?: number }
export interface ConnectorDefinition { name: string; fileBase: string; description: string; parameters: Parameter[]; productFieldName: string; eventFieldName: string; intervalSeconds: number; timeoutSeconds: number; entityMapping?: Record<string, string> }
export interface Integration { name: string; slug: string; description: string; hasIcon: boolean; builtin: boolean; connectors: ConnectorDefinition[] }
export interface RunRow {
  id: number; connector: string; is_test: number; status: string; started_at: number; finished_at: number | null;
  fetched: number; alerts: number; ingested: number; duplicates: number; failed: number; skipped: number; error: string | null;
  /** Queue mode: the worker that ran it (null: embedded serve or the CLI), with its host and PID while its row is kept. */
  worker: string | null; worker_host: string | null; worker_pid: number | null;
}
export interface WorkerRow {
  id: string; host: string; pid: number; concurrency: number; startedAt: number; heartbeatAt: number; stoppedAt: number | null;
  runsActive: number; state: "alive" | "stopped" | "lost";
}
export type { GroupingMode };
export interface Grouping { mode: GroupingMode; windowHours: number; maxAlerts: number }
export interface ConnectorView {
  id: number; name: string; integration: string; definition: string; parameters: Record<string, string | number | boolean>;
  enabled: boolean; intervalSeconds: number; grouping: Grouping; productFieldName: string | null; eventFieldName: string | null; timeoutSeconds: number | null;
  problem: string | null; failing: boolean; lastRuns: { id: number; status: string; started_at: number; ingested: number; error: string | null }[];
}
export interface LogEntry { level: string; message: string; time: number }
export interface RunResult { runId: number; status: string; fetched: number; alerts: number; ingested: number; duplicates: number; failed: number; ms: number; error?: { code: string; message: string }; package?: unknown[]; logs: LogEntry[] }
