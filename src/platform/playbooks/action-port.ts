// What the executor asks of actions: runAction's signature (src/platform/actions, part A), injected so that
// the engine's own tests can run it with a runner of their own and the platform with the real one.
import type { LogEntry } from "../../sdk/execution.js";
import type { Store } from "../store/index.js";

export interface StepActionRequest {
  integration: string;
  action: string;
  caseId: number;
  params?: Record<string, unknown>;
  actor: string;
  idempotencyKey?: string;
  playbookRunId?: number;
  stepId?: string;
  signal?: AbortSignal;
}

export interface StepActionOutcome {
  actionRunId: number | null;
  status: "completed" | "failed" | "timed_out";
  resultValue: string | number | boolean | null;
  message: string;
  json: unknown;
  logs: LogEntry[];
  error?: { code: string; message: string };
  startedAt: number;
  finishedAt: number;
}

export type RunActionFunction = (store: Store, request: StepActionRequest) => Promise<StepActionOutcome>;
