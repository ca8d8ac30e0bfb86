// The shapes of the actions and playbooks API (src/platform/actions, src/platform/playbooks) as the console reads them.
import type { LogEntry, Parameter } from "../api.js";

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

export interface StepRun {
  /** Its kind ("action", "waitForAnswer"…); dueAt: until when a waiting step waits. */
  id: string;
  kind?: string;
  dueAt?: number | null;
  action: string;
  status: string;
  inputs: Record<string, string> | null;
  attempts: number;
  resultValue: unknown;
  json: unknown;
  message: string | null;
  logs: LogEntry[];
  error: { code: string; message: string } | null;
  actionRunId: number | null;
  approval: {
    prompt: string | null;
    decision: string | null;
    by: string | null;
    at: number | null;
    comment: string | null;
    dueAt: number | null;
  } | null;
  startedAt: number | null;
  finishedAt: number | null;
}
export interface PlaybookRun {
  id: number;
  playbook: string;
  caseId: number;
  status: string;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  steps: StepRun[];
}

/** Shown as text: a string as it is, anything else as JSON. */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
