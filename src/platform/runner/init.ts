// The one builder of the init message a code process is sent for each task: a connector's run, an action, a job, a Play.
import { type ParameterDefinition, secretParameterNames } from "../catalog/index.js";
import type { ActionInit, ConnectorMode, InitMessage } from "./protocol.js";

/** What every task gives its code, whatever its kind. */
interface CodeTaskBase {
  /** The compiled module the process imports. */
  modulePath: string;
  /** The code's parameter definitions: they say which values are secrets (redacted from its log). */
  parameterDefinitions: ParameterDefinition[];
  /** Its parameter values, secrets decrypted. */
  parameters: Record<string, unknown>;
  /** The integration's own parameters (integrationConfiguration); left out, the code is given none. */
  configuration?: { values: Record<string, unknown>; secretNames: string[] };
}

export interface ConnectorTask extends CodeTaskBase {
  kind: "connector";
  /** The connector instance's name (the IDE's Play marks its own). */
  name: string;
  mode: ConnectorMode;
  /** Its saved checkpoint. */
  context: Record<string, string>;
  allowList: string[];
}

export interface ActionTask extends CodeTaskBase {
  kind: "action";
  test: boolean;
  action: ActionInit;
}

export interface JobTask extends CodeTaskBase {
  kind: "job";
  test: boolean;
  job: { integrationName: string; jobName: string };
  /** Its saved context. */
  context: Record<string, string>;
}

export type CodeTask = ConnectorTask | ActionTask | JobTask;

export function codeProcessInit(task: CodeTask): InitMessage {
  const common = {
    t: "init" as const,
    kind: task.kind,
    modulePath: task.modulePath,
    parameters: task.parameters,
    secretParameters: secretParameterNames(task.parameterDefinitions),
    ...(task.configuration ? { configuration: task.configuration.values, secretConfiguration: task.configuration.secretNames } : {}),
  };
  switch (task.kind) {
    case "connector":
      return {
        ...common,
        taskName: task.name,
        mode: task.mode,
        isTestRun: task.mode !== "run",
        context: task.context,
        allowList: task.allowList,
      };
    case "action":
      // An action keeps no context between runs; neither an action nor a job has an allow list of its own.
      return {
        ...common,
        taskName: `${task.action.integrationName}/${task.action.actionName}`,
        mode: task.test ? "test" : "run",
        isTestRun: task.test,
        context: {},
        allowList: [],
        action: task.action,
      };
    case "job":
      return {
        ...common,
        taskName: `${task.job.integrationName}/${task.job.jobName}`,
        mode: task.test ? "test" : "run",
        isTestRun: task.test,
        context: task.context,
        allowList: [],
        job: task.job,
      };
  }
}
