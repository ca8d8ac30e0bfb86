// Messages between the runner and a code process (a connector's, an action's or a job's), over Node IPC.
import type { ActionEntity, ActionResult, CurrentCase } from "../../sdk/action.js";
import type { LogEntry, PackageResult } from "../../sdk/execution.js";
import type { BoundedScript } from "../../sdk/script.js";

/** run: ingest; test: store nothing; ping: check the connection only; watch: wait for new items (actions and jobs: run or test). */
export type ConnectorMode = "run" | "test" | "ping" | "watch";

/** What integration code a code process runs: a connector's (the default), an action's or a job's. */
export type CodeKind = "connector" | "action" | "job";

/** What an action's process is given besides its parameters. */
export interface ActionInit {
  integrationName: string;
  actionName: string;
  caseId: number;
  caseTitle: string;
  idempotencyKey: string;
  targetEntities: ActionEntity[];
  currentCase: CurrentCase;
}

export interface InitMessage {
  t: "init";
  kind?: CodeKind;
  /** The task's number in its process (a warm process takes one task after another): stamped on every message the task sends. */
  task?: number;
  modulePath: string;
  /** What the compiled module's contents are (its digest): a changed module is imported afresh by a warm process. */
  moduleVersion?: string;
  /** What the task is called: the connector's name, or "integration/action" and "integration/job". */
  taskName: string;
  mode: ConnectorMode;
  isTestRun: boolean;
  parameters: Record<string, unknown>;
  secretParameters: string[];
  context: Record<string, string>;
  allowList: string[];
  /** The folder for the packages' files (spool.ts), made by the runner for this process alone. */
  spoolDir?: string;
  /** The integration's own parameters (extractConfigurationParam), secrets decrypted, and their names. */
  configuration?: Record<string, unknown>;
  secretConfiguration?: string[];
  /** kind "action": the case and its entities. */
  action?: ActionInit;
  /** kind "job": whose job it is. */
  job?: { integrationName: string; jobName: string };
}

export type ParentMessage =
  | InitMessage
  | { t: "ack"; seq: number; result: PackageResult }
  | { t: "nack"; seq: number; code: string; message: string }
  | { t: "scriptDone"; seq: number; output: string }
  | { t: "scriptFailed"; seq: number; code: string; message: string }
  | { t: "answer"; seq: number; value: unknown }
  | { t: "answerFailed"; seq: number; code: string; message: string };

/** `task`: the task that sent it; a message of an earlier task (a timer its code left running) is dropped. */
export type ChildMessage = { task?: number } & (
  | { t: "log"; entry: LogEntry }
  | { t: "fetched"; count: number }
  | { t: "skipped"; id: string; reason: string }
  | { t: "changed"; reason: string }
  /** With `spooled`, the alerts are in the package's spool file (spool.ts), not in the message. */
  | { t: "package"; seq: number; alerts: unknown[]; spooled?: boolean; context: Record<string, string | null> }
  /** A bounded script (sdk/script.ts) for the runner to start: a code process may start none. */
  | { t: "script"; seq: number; script: BoundedScript }
  /** A question to one of the platform's services (DriveHandlers.services), answered by `answer`. */
  | { t: "ask"; seq: number; service: string; payload: unknown }
  /** `result`: an action's outcome. */
  | { t: "done"; context: Record<string, string | null>; result?: ActionResult }
  | { t: "error"; code: string; message: string }
);
