// Drives one code process from init to its end: logs, packages acknowledged in order, timeout, crash and
// out-of-memory detection. Shared by connector runs (ingest), the console's Play (store nothing), actions and jobs.
import fs from "node:fs";
import {
  AlertInvalid,
  IngestFailed,
  IntakeError,
  PackageAfterFailure,
  PackageInvalid,
  PlatformServiceUnknown,
  RunCrashed,
  RunOutOfMemory,
  RunSpawn,
  RunSpoolTooLarge,
  RunTimeout,
} from "../errors.js";
import type { LogEntry, PackageResult } from "../../sdk/execution.js";
import type { ActionResult } from "../../sdk/action.js";
import type { RunStatus } from "../store/index.js";
import { runnerFor, type PooledProcess } from "./pool.js";
import type { ChildMessage, InitMessage, ParentMessage } from "./protocol.js";
import { unspoolPackage } from "./spool.js";

export interface DriveHandlers {
  timeoutSeconds: number;
  memoryMb: number;
  /** What the code may read besides the SDK (codeReadRoots). */
  readRoots: string[];
  onLog: (entry: LogEntry) => void;
  onFetched?: (count: number) => void;
  onSkipped?: () => void;
  /** One package at a time, in order: its result is acknowledged to the connector (none: packages are refused). */
  onPackage?: (alerts: unknown[], context: Record<string, string | null>) => Promise<PackageResult>;
  /** Aborting stops the process (the run is recorded failed). */
  signal?: AbortSignal;
  /**
   * What the code may ask the platform (sdk `askPlatform`), by service name. The payload comes from the
   * code's process: each service validates it as input from outside.
   */
  services?: Record<string, (payload: unknown) => Promise<unknown>>;
  /**
   * A process of its own, ended with the task, even where code processes are kept warm (pool.ts): the
   * IDE's Play (a draft's code), test runs and pings.
   */
  fresh?: boolean;
  /** The code finished; runs after every package was handled. `result`: an action's. */
  onDone?: (context: Record<string, string | null>, result?: ActionResult) => Promise<void>;
}

export interface DriveOutcome {
  status: RunStatus;
  error?: { code: string; message: string };
}

/**
 * The module's digest as compileCode recorded it (its `.sha256` beside it), else its size and time: what makes a
 * changed module a new one in a warm process.
 */
function moduleVersion(modulePath: string): string | undefined {
  try {
    return fs.readFileSync(`${modulePath}.sha256`, "utf8").trim().slice(0, 128);
  } catch {
    try {
      const stat = fs.statSync(modulePath);
      return `${stat.size}-${stat.mtimeMs}`;
    } catch {
      return undefined;
    }
  }
}

export function driveCodeProcess(init: InitMessage, handlers: DriveHandlers): Promise<DriveOutcome> {
  const { timeoutSeconds, memoryMb, readRoots, onLog } = handlers;
  const kind = init.kind ?? "connector";
  return new Promise<DriveOutcome>((resolve) => {
    const runner = runnerFor(handlers.fresh ?? false);
    let worker: PooledProcess;
    try {
      worker = runner.acquire({ kind, memoryMb, readRoots });
    } catch (error) {
      // No sandbox to run it in (INTAKE_SANDBOX=strict): the run fails with the reason, nothing started.
      resolve({ status: "failed", error: error instanceof IntakeError ? error.toJSON() : new RunSpawn((error as Error).message).toJSON() });
      return;
    }
    const { child, spoolDir } = worker;
    const task = ++worker.tasks;
    let finished: DriveOutcome | undefined;
    let ended = false;
    let settled = false;
    let stderrTail = "";
    let queue: Promise<void> = Promise.resolve();
    /** Why the first package that was not stored failed; every later package is refused. */
    let refusedFrom: string | undefined;
    const finish = (result: DriveOutcome) => {
      finished ??= result;
    };
    const timer = setTimeout(() => {
      finish({ status: "timed_out", error: new RunTimeout(kind, timeoutSeconds).toJSON() });
      worker.kill();
    }, timeoutSeconds * 1000);
    worker.output = (level, text) => {
      if (level === "error") stderrTail = (stderrTail + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) onLog({ level, message: line, time: Date.now() });
    };
    const abort = () => {
      finish({ status: "failed", error: new RunCrashed(kind, "stopped by the platform").toJSON() });
      worker.kill();
    };
    if (handlers.signal?.aborted) abort();
    else handlers.signal?.addEventListener("abort", abort, { once: true });
    const reply = (message: ParentMessage) => {
      if (child.connected) child.send(message);
    };
    /** The task's end: the process is given back (kept warm only after a success) and the outcome told. */
    const settle = (reusable: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      handlers.signal?.removeEventListener("abort", abort);
      child.off("message", onMessage);
      child.off("error", onError);
      worker.output = undefined;
      if (reusable) worker.clearSpool();
      runner.release(worker, reusable);
      resolve(finished!);
    };

    const onMessage = (message: ChildMessage) => {
      // A message of an earlier task of this process (a timer its code left running) is not this task's.
      if (message.task !== undefined && message.task !== task) return;
      switch (message.t) {
        case "log":
          onLog(message.entry);
          break;
        case "changed":
          break;
        case "skipped":
          handlers.onSkipped?.();
          break;
        case "fetched":
          handlers.onFetched?.(message.count);
          break;
        case "package":
          queue = queue.then(async () => {
            // A connector may send its next package before this one is acknowledged. Each carries
            // the connector's checkpoint up to its own items, so once one is not stored none after
            // it may be: a later checkpoint would cover the failed package's items and lose them.
            if (refusedFrom) {
              reply({ t: "nack", seq: message.seq, ...new PackageAfterFailure(refusedFrom).toJSON() });
              return;
            }
            try {
              if (!handlers.onPackage)
                throw new PackageInvalid(`the ${kind}'s code handed over a package of alerts: only a connector does`);
              if (message.spooled && !spoolDir) throw new PackageInvalid("a package said to be in a spool file, with no spool folder");
              const alerts = message.spooled ? unspoolPackage(spoolDir!, message.seq) : message.alerts;
              const result = await handlers.onPackage(alerts, message.context);
              for (const failure of result.results.filter((r) => r.outcome === "failed")) {
                onLog({ level: "error", message: new AlertInvalid(failure.error ?? "no reason given").toLine(), time: Date.now() });
              }
              reply({ t: "ack", seq: message.seq, result });
            } catch (error) {
              const code = error instanceof IntakeError ? error.code : IngestFailed.code;
              refusedFrom = `${code}: ${(error as Error).message}`.slice(0, 300);
              onLog({ level: "error", message: `${code}: ${(error as Error).message}`, time: Date.now() });
              reply({ t: "nack", seq: message.seq, code, message: (error as Error).message });
            }
          });
          break;
        case "ask": {
          const service = Object.hasOwn(handlers.services ?? {}, message.service) ? handlers.services![message.service] : undefined;
          const answer = service
            ? service(message.payload)
            : Promise.reject(new PlatformServiceUnknown(String(message.service).slice(0, 100)));
          answer.then(
            (value) => reply({ t: "answer", seq: message.seq, value }),
            (error: unknown) =>
              reply({
                t: "answerFailed",
                seq: message.seq,
                code: error instanceof IntakeError ? error.code : PlatformServiceUnknown.code,
                message: String((error as Error)?.message ?? error).slice(0, 2000),
              }),
          );
          break;
        }
        case "done":
          // One end only: a second "done" (code in the process can send messages of its own) is ignored.
          if (ended) break;
          ended = true;
          // Its memory looked at once more before its work counts: a burst between two looks is caught here.
          if (child.limitBreached(true)) break;
          queue = queue
            .then(async () => {
              await handlers.onDone?.(message.context, message.result);
              finish({ status: "succeeded" });
            })
            .catch((error: unknown) => {
              finish({
                status: "failed",
                error: (error instanceof IntakeError ? error : new IngestFailed((error as Error).message)).toJSON(),
              });
            })
            .then(() => settle(finished?.status === "succeeded"));
          break;
        case "error":
          finish({ status: "failed", error: { code: message.code, message: message.message } });
          break;
      }
    };
    const onError = (error: Error) => finish({ status: "failed", error: new RunSpawn(error.message).toJSON() });
    child.on("message", onMessage);
    child.on("error", onError);
    void worker.exited.then(({ code, signal }) => {
      if (settled) return;
      // 'exit' can come before the last messages are read from the IPC channel (a busy machine, a child
      // that sends "error" and leaves at once): the channel is read to its end, which 'disconnect' marks,
      // before a run without "done" counts as crashed. Bounded, in case a grandchild holds the channel open.
      const channelRead = child.connected
        ? new Promise<void>((resolve) => {
            const bound = setTimeout(resolve, 5000);
            child.once("disconnect", () => {
              clearTimeout(bound);
              resolve();
            });
          })
        : Promise.resolve();
      void channelRead
        .then(() => queue)
        .then(() => {
          const breach = child.limitBreached();
          if (breach) {
            // Stopped by the platform past a cap: that is why it ended, whatever else it said first.
            finished = {
              status: "failed",
              error: (breach.limit === "memory"
                ? new RunOutOfMemory(kind, breach.capMb)
                : new RunSpoolTooLarge(kind, breach.capMb)
              ).toJSON(),
            };
          } else if (!finished) {
            const outOfMemory = /heap out of memory|Allocation failed/i.test(stderrTail);
            finish({
              status: "failed",
              error: outOfMemory
                ? new RunOutOfMemory(kind, memoryMb).toJSON()
                : new RunCrashed(kind, signal ? `signal ${signal}` : `exit code ${code}`).toJSON(),
            });
          }
          settle(false);
        });
    });
    const message: InitMessage = { ...init, task, ...(spoolDir ? { spoolDir } : {}) };
    const version = moduleVersion(init.modulePath);
    if (version) message.moduleVersion = version;
    if (child.connected) child.send(message);
  });
}
