// Starts a code process, the Node process integration code runs in (a connector's, an action's, a job's): its
// compiled module, its parameters only, no platform secrets.
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import {
  compileConnector,
  integrationConfiguration,
  runtimeParameters,
  type CodeDefinition,
  type IntegrationDefinition,
  type ResolvedConnector,
} from "../catalog/index.js";
import { loadContext } from "../ingest/index.js";
import type { Store } from "../store/index.js";
import { startBoundedScript, type ScriptStarter } from "../../sdk/script.js";
import { IntakeError, ScriptFailed } from "../../sdk/errors.js";
import type { ChildMessage, ConnectorMode, InitMessage, ParentMessage } from "./protocol.js";
import { codeProcessInit } from "./init.js";
import { launchCodeProcess, type CodeProcess } from "./namespace.js";
import { allowedFile, integrationReadRoots } from "./sandbox.js";

const CHILD_ENTRY = fileURLToPath(new URL("./child.js", import.meta.url));
/** The platform's modules a code process loads: its entry and the entry's own imports besides the SDK (the error catalog). */
const CHILD_MODULES = [CHILD_ENTRY, ...["./spool.js", "../errors.js"].map((relative) => fileURLToPath(new URL(relative, import.meta.url)))];
export const DEFAULT_MEMORY_MB = 1024;

/** A connector's run, test, ping or watch: its init message, with its parameters, checkpoint and integration's configuration read now. */
export async function prepareConnectorInit(store: Store, resolved: ResolvedConnector, mode: ConnectorMode): Promise<InitMessage> {
  const { instance, definition } = resolved;
  return codeProcessInit({
    kind: "connector",
    modulePath: await compileConnector(resolved.integration, definition),
    name: instance.name,
    mode,
    parameterDefinitions: definition.parameters,
    parameters: runtimeParameters(store, resolved),
    context: await loadContext(store, instance.id),
    allowList: instance.allowList,
    configuration: await integrationConfiguration(store, resolved.integration),
  });
}

/**
 * What integration code (a connector's, an action's, a job's) may read besides the SDK: its integration's folder and dependencies, and the
 * paths its `file` parameters name (chosen by an admin, each under INTAKE_FILE_ROOTS, else FILE_PARAMETER).
 */
export function codeReadRoots(
  integration: IntegrationDefinition,
  definition: Pick<CodeDefinition, "parameters">,
  parameters: Record<string, unknown>,
  dataDir: string,
): string[] {
  const files = definition.parameters
    .filter((parameter) => parameter.type === "file")
    .flatMap((parameter) => {
      const value = parameters[parameter.name];
      return typeof value === "string" && value.trim() !== "" ? [allowedFile(parameter.name, value, dataDir)] : [];
    });
  return [...integrationReadRoots(integration), ...files];
}

export interface CodeProcessOptions {
  memoryMb?: number;
  /** What its code may read besides the SDK (codeReadRoots). */
  readRoots: string[];
  /** The only folder it may write. */
  spoolDir?: string;
}

export function spawnCodeProcess({ memoryMb = DEFAULT_MEMORY_MB, readRoots, spoolDir }: CodeProcessOptions): CodeProcess {
  // launchCodeProcess gives the code an allow-listed environment: none of the platform's secrets
  // (key, passwords) and no NODE_OPTIONS, whose flags (--allow-fs-read=*) would widen its sandbox.
  const child = launchCodeProcess({
    scope: { entries: CHILD_MODULES, readRoots, ...(spoolDir ? { spoolDir } : {}) },
    nodeFlags: codeProcessNodeFlags(memoryMb),
    args: [CHILD_ENTRY],
    ipc: true,
    memoryMb,
  });
  serveBoundedScripts(child, readRoots, memoryMb);
  return child;
}

/**
 * Starts the bounded scripts (sdk/script.ts) a code process asks for: one at a time, in the same
 * sandbox with no writes, within the code's own memory cap, and stopped when the code process ends.
 */
function serveBoundedScripts(child: ChildProcess, readRoots: string[], memoryMb: number): void {
  const ended = new AbortController();
  child.once("exit", () => ended.abort());
  const start: ScriptStarter = (args, scriptMemoryMb) =>
    launchCodeProcess({ scope: { entries: [], readRoots }, nodeFlags: [], args, ipc: false, memoryMb: scriptMemoryMb });
  let queue: Promise<void> = Promise.resolve();
  child.on("message", (message: ChildMessage) => {
    if (message.t !== "script") return;
    const { seq, script } = message;
    queue = queue.then(async () => {
      let reply: ParentMessage;
      try {
        const output = await startBoundedScript({ ...script, memoryMb: Math.min(script.memoryMb, memoryMb) }, start, ended.signal);
        reply = { t: "scriptDone", seq, output };
      } catch (error) {
        reply = {
          t: "scriptFailed",
          seq,
          code: error instanceof IntakeError ? error.code : ScriptFailed.code,
          message: (error as Error).message,
        };
      }
      if (child.connected) child.send(reply);
    });
  });
}

/** Node's flags for a code process (the bench's floor runs with the same). */
export function codeProcessNodeFlags(memoryMb = DEFAULT_MEMORY_MB): string[] {
  // A small young generation: a connector's garbage is short-lived (one message, one batch), and
  // the default lets the heap grow tens of MB ahead of need. An old generation that starts at 32 MB
  // (never above half the cap): V8 starts it smaller and grows it only after full collections, while
  // what a batch keeps across its awaits is promoted and dies there, which forced extra full
  // collections. (Figures: docs/performance.md.)
  return [
    `--max-old-space-size=${memoryMb}`,
    `--initial-old-space-size=${initialOldSpaceMb(memoryMb)}`,
    "--max-semi-space-size=2",
    ...gcFlags(os.availableParallelism()),
  ];
}

function initialOldSpaceMb(memoryMb: number): number {
  return Math.min(32, Math.floor(memoryMb / 2));
}

/**
 * On two cores or fewer, the connector's garbage is collected on its own thread. V8's helper threads
 * for parallel collection compete there with the connector itself and the platform's process for the
 * same cores, and cost more in all than they save. With cores to spare they are free, and kept.
 */
export function gcFlags(cores: number): string[] {
  return cores <= 2 ? ["--single-threaded-gc"] : [];
}
