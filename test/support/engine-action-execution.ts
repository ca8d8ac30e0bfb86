// An action's execution context (the SDK's ActionExecution) built without the runner, for tests of what an action
// stages or asks the platform: a stand-in action on case 1, with no parameters, settings or targets.
import { ActionExecution } from "../../src/sdk/index.js";

type ExecutionOptions = ConstructorParameters<typeof ActionExecution>[0];

/** Integration "i", action "a", case 1 "t", idempotency key "k", logs dropped; `more` over those. */
export function standInExecution(more: Partial<ExecutionOptions> = {}): ActionExecution {
  return new ActionExecution({
    integrationName: "i",
    actionName: "a",
    caseId: 1,
    caseTitle: "t",
    idempotencyKey: "k",
    targetEntities: [],
    parameters: {},
    configuration: {},
    secretParameters: [],
    secretConfiguration: [],
    log: () => undefined,
    ...more,
    // Only what an action's code reads is given: the runner's own fields are left out.
  } as unknown as ExecutionOptions);
}
