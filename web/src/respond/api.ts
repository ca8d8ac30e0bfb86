// The shapes of the actions and playbooks API (src/platform/actions, src/platform/playbooks) as the console reads them.
import type { LogEntry, Parameter } from "../api.js";
// Types only (erased from the bundle): the platform's own declarations of what these routes answer.
import type { RunView, StepView } from "../../../src/platform/playbooks/index.js";

export interface ActionDefinition {
  name: string;
  fileBase: string;
  description: string;
  parameters: Parameter[];
  entityTypes: string[];
  timeoutSeconds: number;
}
export interface JobDefinition {
  name: string;
  fileBase: string;
  description: string;
  parameters: Parameter[];
  intervalSeconds: number;
  timeoutSeconds: number;
}
export interface RespondIntegration {
  name: string;
  slug: string;
  builtin: boolean;
  parameters: Parameter[];
  actions: ActionDefinition[];
  jobs: JobDefinition[];
  settings?: Record<string, unknown>;
}

export interface ActionOutcome {
  actionRunId: number | null;
  status: "completed" | "failed" | "timed_out";
  resultValue: string | number | boolean | null;
  message: string;
  json: unknown;
  entityUpdates: { entityType: string; identifier: string; additionalProperties: Record<string, string> }[];
  insights: { entityType?: string; identifier?: string; title: string; message: string }[];
  logs: LogEntry[];
  error?: { code: string; message: string } | null;
  startedAt: number;
  finishedAt: number;
}
export interface ActionRun extends ActionOutcome {
  actionRunId: number;
  integration: string;
  action: string;
  params: Record<string, unknown>;
  actor: string;
  playbookRunId: number | null;
  stepId: string | null;
}

/** A step of a playbook run (GET /api/cases/:id/playbook-runs): the platform's view, its logs as the console reads them. */
export type StepRun = Omit<StepView, "logs"> & { logs: LogEntry[] };
/** A playbook run on a case: the platform's view, with its steps as above. */
export type PlaybookRun = Omit<RunView, "steps"> & { steps: StepRun[] };

/** Shown as text: a string as it is, anything else as JSON. */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
