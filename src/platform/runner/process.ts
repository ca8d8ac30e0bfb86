// Starts a connector's code in its own Node process: compiled module, its parameters only, no platform secrets.
import { fork, type ChildProcess } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { compileConnector, runtimeParameters, secretParameterNames, type ResolvedConnector } from "../catalog/index.js";
import { loadContext } from "../ingest/index.js";
import type { Store } from "../store/index.js";
import type { ConnectorMode, InitMessage } from "./protocol.js";

const CHILD_ENTRY = fileURLToPath(new URL("./child.js", import.meta.url));
export const DEFAULT_MEMORY_MB = 1024;

export async function prepareInit(store: Store, resolved: ResolvedConnector, mode: ConnectorMode): Promise<InitMessage> {
  const { instance, definition } = resolved;
  return {
    t: "init",
    modulePath: await compileConnector(resolved.integration, definition),
    connectorName: instance.name,
    mode,
    isTestRun: mode !== "run",
    parameters: runtimeParameters(store, resolved),
    secretParameters: secretParameterNames(definition.parameters),
    context: await loadContext(store, instance.id),
    allowList: instance.allowList,
  };
}

export function spawnConnectorProcess(memoryMb = DEFAULT_MEMORY_MB): ChildProcess {
  // The connector sees none of the platform's own secrets (key, passwords) in its environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("INTAKE_")));
  return fork(CHILD_ENTRY, [], {
    env,
    serialization: "advanced",
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    // Its own process group: a Ctrl-C meant for the platform lets the platform end the run cleanly,
    // and a platform that dies closes the IPC channel, on which the child exits.
    detached: true,
    execArgv: connectorNodeFlags(memoryMb),
  });
}

/** Node's flags for a connector's process (the bench's floor runs with the same). */
export function connectorNodeFlags(memoryMb = DEFAULT_MEMORY_MB): string[] {
  // A small young generation: a connector's garbage is short-lived (one message, one batch), and
  // the default lets the heap grow tens of MB ahead of need. An old generation that starts at 32 MB
  // (never above half the cap): V8 starts it smaller and grows it only after full collections, while
  // what a batch keeps across its awaits is promoted and dies there, which forced extra full
  // collections. (Figures: the README's Performance section.)
  return [`--max-old-space-size=${memoryMb}`, `--initial-old-space-size=${initialOldSpaceMb(memoryMb)}`, "--max-semi-space-size=2", ...gcFlags(os.availableParallelism())];
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
