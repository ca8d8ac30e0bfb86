// Talks to /api: the session cookie rides along; the CSRF token goes in a header on every change.
import type { EntityRole } from "../../src/sdk/alert.js";
import type { GroupingMode } from "../../src/sdk/vocabulary.js";

export type { EntityRole };
let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export class ApiError extends Error {
  /** data: the whole error body (e.g. the diagnostics of a failed save). */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    credentials: "same-origin",
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const data = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) throw new ApiError(response.status, data.error?.code ?? "HTTP", data.error?.message ?? response.statusText, data);
  return data as T;
}

// The API's shapes, derived from the server's zod shapes (types only: zod stays out of the bundle).
export type {
  Alert,
  CaseDetail,
  CaseSummary,
  Comment,
  ConnectorDefinition,
  ConnectorView,
  Entity,
  Feed,
  Grouping,
  HistoryEntry,
  Integration,
  LogEntry,
  Parameter,
  PlaybookSummary,
  RunResult,
  RunRow,
  Timeline,
  User,
  VerdictEvidence,
  VerdictView,
  WorkerRow,
} from "../../src/server/api-shapes.js";

/** A custom list (GET /api/lists): its entries, and who edited it when an admin replaced the default. */
// A type only (erased from the bundle): the platform's own declaration.
export type { CustomList } from "../../src/platform/lists/index.js";
export type { GroupingMode };
