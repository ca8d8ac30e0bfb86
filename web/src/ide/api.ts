// Types of the IDE's /api/ide routes.
import type { ConnectorDefinition, LogEntry } from "../api.js";
import type { ActionDefinition, JobDefinition } from "../respond/api.js";
// A type only (erased from the bundle): the platform's own declaration of what the route answers.
import type { EditableIntegration as PlatformEditableIntegration } from "../../../src/platform/ide/index.js";

export interface Diagnostic {
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
}
/** An integration the IDE may edit (GET /api/ide/integrations): the platform's, with its code as the console reads it. */
export type EditableIntegration = Omit<PlatformEditableIntegration, "connectors" | "actions" | "jobs"> & {
  connectors: ConnectorDefinition[];
  actions: ActionDefinition[];
  jobs: JobDefinition[];
};
export interface CodeVersion {
  version: number;
  createdAt: number;
  changed: boolean;
}
export interface VersionCode {
  version: number;
  createdAt: number;
  code: string;
  previous: { version: number; code: string } | null;
}
export interface PlayAlert {
  display_id?: unknown;
  ticket_id?: unknown;
  name?: unknown;
  priority?: unknown;
  device_product?: unknown;
  events?: Record<string, unknown>[];
}
export interface PlayResult {
  status: string;
  error?: { code: string; message: string };
  fetched: number;
  alerts: PlayAlert[];
  alertCount: number;
  failed: number;
  skipped: number;
  logs: LogEntry[];
  ms: number;
}
