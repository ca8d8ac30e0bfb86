// The platform's actions as the playbooks see them: findAction for validation, runAction for the executor.
import type { Store } from "../store/index.js";
import { findAction } from "../catalog/integrations.js";
import { runAction } from "../actions/index.js";
import type { ActionLookup } from "./validate.js";
import type { RunActionFunction } from "./action-port.js";

export function platformActionLookup(store: Store): ActionLookup {
  return async (reference) => (await findAction(store, reference))?.action;
}

export const platformRunAction: RunActionFunction = runAction;
