// What the executor asks of actions: runAction (src/platform/actions), injected so that the engine's own
// tests can run it with a runner of their own and the platform with the real one.
import type { ActionOutcome, ActionRequest } from "../actions/index.js";
import type { Store } from "../store/index.js";

/** The part of an outcome a step stores. */
export type StepActionOutcome = Pick<
  ActionOutcome,
  "actionRunId" | "status" | "resultValue" | "message" | "json" | "logs" | "error" | "startedAt" | "finishedAt"
>;

export type RunActionFunction = (store: Store, request: ActionRequest) => Promise<StepActionOutcome>;
