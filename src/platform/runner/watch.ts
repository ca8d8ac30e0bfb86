// Push: keeps a connector's `watch` export running in its own process and reports new items at once.
// The process is restarted with backoff when it ends (a dropped connection, a server restart).
import type { ChildProcess } from "node:child_process";
import type { LogEntry } from "../../sdk/execution.js";
import { resolveConnector } from "../catalog/index.js";
import type { Store } from "../store/index.js";
import { codeReadRoots, prepareConnectorInit, spawnCodeProcess } from "./code-process.js";
import type { ChildMessage } from "./protocol.js";

export interface WatchOptions {
  onChange: (reason: string) => void;
  onLog?: (entry: LogEntry) => void;
  /** Longest wait between restarts. */
  maxBackoffMs?: number;
}

export interface Watcher {
  stop(): Promise<void>;
}

export function watchConnector(store: Store, name: string, options: WatchOptions): Watcher {
  let stopped = false;
  let child: ChildProcess | undefined;
  let backoff = 500;
  let timer: NodeJS.Timeout | undefined;
  const log = (level: LogEntry["level"], message: string) => options.onLog?.({ level, message, time: Date.now() });

  const start = async () => {
    if (stopped) return;
    const started = Date.now();
    try {
      // Resolved afresh at each start: a parameter changed meanwhile is taken into account.
      const resolved = await resolveConnector(store, name);
      const init = await prepareConnectorInit(store, resolved, "watch");
      if (stopped) return;
      // A watch hands over no package: no spool folder, so no writes at all.
      child = spawnCodeProcess({
        memoryMb: resolved.definition.memoryMb,
        readRoots: codeReadRoots(resolved.integration, resolved.definition, init.parameters, store.dataDir),
      });
      child.stdout?.on("data", (chunk: Buffer) => log("info", chunk.toString("utf8").trimEnd()));
      child.stderr?.on("data", (chunk: Buffer) => log("error", chunk.toString("utf8").trimEnd()));
      child.on("message", (message: ChildMessage) => {
        if (message.t === "changed") options.onChange(message.reason);
        else if (message.t === "log") options.onLog?.(message.entry);
        else if (message.t === "error") log("error", `${message.code}: ${message.message}`);
      });
      child.once("exit", () => {
        child = undefined;
        // A watch that held for a minute was healthy: start the backoff over.
        if (Date.now() - started > 60_000) backoff = 500;
        schedule();
      });
      child.send(init);
    } catch (error) {
      log("error", `watch could not start: ${(error as Error).message}`);
      schedule();
    }
  };

  const schedule = () => {
    if (stopped) return;
    log("warn", `watch ended; restarting in ${backoff} ms`);
    timer = setTimeout(() => void start(), backoff);
    backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 30_000);
  };

  void start();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const running = child;
      if (!running) return;
      await new Promise<void>((resolve) => {
        running.once("exit", () => resolve());
        running.kill("SIGTERM");
        setTimeout(() => running.kill("SIGKILL"), 2000).unref();
      });
    },
  };
}
