// The platform's actions as the playbooks see them: findAction for validation, runAction for the executor.
import type { Store } from "../store/index.js";
import { IntegrationNotFound } from "../errors.js";
import type { ActionLookup } from "./validate.js";
import type { RunActionFunction } from "./action-port.js";

export function platformActionLookup(_store: Store): ActionLookup {
  return async () => undefined;
}

export const platformRunAction: RunActionFunction = async (_store, request) => {
  throw new IntegrationNotFound(`no action ${request.integration}/${request.action}`);
};
