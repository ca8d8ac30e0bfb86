// Messages between the runner and a connector's child process (Node IPC, structured clone).
import type { LogEntry, PackageResult } from "../../sdk/execution.js";
import type { BoundedScript } from "../../sdk/script.js";

/** run: ingest; test: store nothing; ping: check the connection only; watch: wait for new items. */
export type ConnectorMode = "run" | "test" | "ping" | "watch";

export interface InitMessage {
  t: "init";
  modulePath: string;
  connectorName: string;
  mode: ConnectorMode;
  isTestRun: boolean;
  parameters: Record<string, unknown>;
  secretParameters: string[];
  context: Record<string, string>;
  allowList: string[];
  /** The folder for the packages' files (spool.ts), made by the runner for this process alone. */
  spoolDir?: string;
}

export type ParentMessage =
  | InitMessage
  | { t: "ack"; seq: number; result: PackageResult }
  | { t: "nack"; seq: number; code: string; message: string }
  | { t: "scriptDone"; seq: number; output: string }
  | { t: "scriptFailed"; seq: number; code: string; message: string };

export type ChildMessage =
  | { t: "log"; entry: LogEntry }
  | { t: "fetched"; count: number }
  | { t: "skipped"; id: string; reason: string }
  | { t: "changed"; reason: string }
  /** With `spooled`, the alerts are in the package's spool file (spool.ts), not in the message. */
  | { t: "package"; seq: number; alerts: unknown[]; spooled?: boolean; context: Record<string, string | null> }
  /** A bounded script (sdk/script.ts) for the runner to start: the connector's process may start none. */
  | { t: "script"; seq: number; script: BoundedScript }
  | { t: "done"; context: Record<string, string | null> }
  | { t: "error"; code: string; message: string };
