// The code process, where integration code runs: loads its compiled module, gives it a ConnectorExecution (an
// ActionExecution, a JobExecution), and talks to the runner over IPC. A crash here harms only this run.
// It takes tasks one after another ("init" messages; a warm process many, a fresh one a single task):
// each task gets its own execution, logger, console and answers; the module is imported once per
// path and digest, so a module that changed is imported afresh, and an unchanged one keeps its
// module-level state between tasks (as n8n's task runners do). A failure ends the process.
import { pathToFileURL } from "node:url";
import { ConnectorExecution, type LogEntry, type PackageResult } from "../../sdk/execution.js";
import { ActionExecution } from "../../sdk/action.js";
import { JobExecution } from "../../sdk/job.js";
import type { CodeExecution } from "../../sdk/code-execution.js";
import type { AlertInfo } from "../../sdk/alert.js";
import { relayBoundedScripts } from "../../sdk/script.js";
import { ActionFailed, ConnectorFailed, ConnectorInvalid, ConnectorNoPing, ConnectorNoWatch, JobFailed, SandboxDenied } from "../errors.js";
import type { ChildMessage, CodeKind, InitMessage, ParentMessage } from "./protocol.js";
import { spoolPackage } from "./spool.js";

/** Answers the runner owes, by sequence number: a package's acknowledgement, a bounded script's output, a service's answer. */
const pending = new Map<number, { resolve: (answer: never) => void; reject: (error: Error) => void }>();
let nextSeq = 1;
let redact: (text: string) => string = (text) => text;
/** What runs here, for the failure's code and words ("the action's process may not…"). */
let kind: CodeKind = "connector";
/** The task under way (undefined between tasks): what every message is stamped with. */
let currentTask: number | undefined;
let tasks: Promise<void> = Promise.resolve();
const FAILED_CODES: Record<CodeKind, string> = { connector: ConnectorFailed.code, action: ActionFailed.code, job: JobFailed.code };

/** Sends a message of `task` (by default the task under way). */
function send(message: ChildMessage, task = currentTask): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send || !process.connected) return reject(new Error("the runner is gone"));
    process.send(task === undefined ? message : { ...message, task }, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });
}

/** What the sandbox (sandbox.ts) refused, in words: Node's own message names neither the act nor the file. */
function deniedAct(error: { permission?: unknown; resource?: unknown }): string {
  const resource = typeof error.resource === "string" && error.resource ? error.resource : "a path";
  const denied: Record<string, string> = {
    FileSystemRead: `read ${resource}`,
    FileSystemWrite: `write ${resource}`,
    ChildProcess: "start a process",
    WorkerThreads: "start a worker thread",
    Addons: "load a native addon",
    WASI: "use WASI",
    Inspector: "use the inspector",
    Signal: `signal process ${resource}`,
  };
  return denied[String(error.permission)] ?? `use ${String(error.permission ?? "this API")}`;
}

/** The folders and files this process may read, as its permission flags name them. */
const allowedReads = process.execArgv
  .filter((flag) => flag.startsWith("--allow-fs-read="))
  .map((flag) => flag.slice("--allow-fs-read=".length));

/**
 * A module outside what the sandbox lets it read: in namespaces it is not there at all, so Node says it
 * cannot find it. That is the sandbox's refusal, and said as one (as the permission model alone says it).
 */
function hiddenBySandbox(err: { code?: unknown; message?: unknown }): { code: string; permission: string; resource: string } | undefined {
  if (err?.code !== "ERR_MODULE_NOT_FOUND" || allowedReads.length === 0) return undefined;
  const file = /Cannot find (?:module|package) '(\/[^']+)'/.exec(String(err.message))?.[1];
  if (!file || allowedReads.some((read) => file === read || file.startsWith(read.endsWith("/") ? read : `${read}/`))) return undefined;
  return { code: SandboxDenied.code, permission: "FileSystemRead", resource: file };
}

function fail(error: unknown): never {
  const err = (hiddenBySandbox(error as { code?: unknown }) ?? error) as {
    code?: unknown;
    message?: unknown;
    permission?: unknown;
    resource?: unknown;
  };
  const code = typeof err?.code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(err.code) ? err.code : FAILED_CODES[kind];
  const message = redact(
    code === SandboxDenied.code ? new SandboxDenied(kind, deniedAct(err)).message : String(err?.message ?? error),
  ).slice(0, 2000);
  void send({ t: "error", code, message }).finally(() => process.exit(1));
  // Leave at once if the message cannot be sent.
  setTimeout(() => process.exit(1), 2000).unref();
  throw error;
}

// No signal to another process: in namespaces none reaches the platform anyway, but under the permission
// model alone `process.kill(process.ppid)` would end the CLI or the server. process.kill calls _kill, and
// process.binding (the way around) is refused by the permission model.
const ownKill = (process as unknown as { _kill: (pid: number, signal: number) => number })._kill.bind(process);
Object.defineProperty(process, "_kill", {
  value: (pid: number, signal: number) => {
    if (Number(pid) !== process.pid)
      throw Object.assign(new Error(`may not signal process ${String(pid)}`), {
        code: SandboxDenied.code,
        permission: "Signal",
        resource: String(pid),
      });
    return ownKill(pid, signal);
  },
  writable: false,
  configurable: false,
});

// The runner gone (killed, crashed) means no acknowledgement can come: stop before touching the source.
process.on("disconnect", () => process.exit(1));
process.on("uncaughtException", (error) => {
  try {
    fail(error);
  } catch {
    /* reported */
  }
});
process.on("unhandledRejection", (error) => {
  try {
    fail(error);
  } catch {
    /* reported */
  }
});

process.on("message", (message: ParentMessage) => {
  if (message.t === "init") {
    // One task at a time: the runner sends the next after the last one's end; one that came early waits.
    tasks = tasks.then(() => {
      currentTask = message.task;
      return start(message).then(endTask, (error) => {
        try {
          fail(error);
        } catch {
          /* reported */
        }
      });
    });
    return;
  }
  const waiter = pending.get(message.seq);
  if (!waiter) return;
  pending.delete(message.seq);
  if (message.t === "ack") waiter.resolve(message.result as never);
  else if (message.t === "scriptDone") waiter.resolve(message.output as never);
  else if (message.t === "answer") waiter.resolve(message.value as never);
  else waiter.reject(Object.assign(new Error(message.message), { code: message.code }));
});

// The sandbox lets this process start none: the runner starts the connector's bounded scripts.
relayBoundedScripts((script) => {
  const seq = nextSeq++;
  return new Promise<string>((resolve, reject) => {
    pending.set(seq, { resolve, reject });
    send({ t: "script", seq, script }).catch((error: Error) => {
      pending.delete(seq);
      reject(error);
    });
  });
});

/** console output of the code goes to its log too. */
function captureConsole(logger: CodeExecution["logger"]): void {
  console.log = (...args: unknown[]) => logger.info(args.map(String).join(" "));
  console.info = console.log;
  console.warn = (...args: unknown[]) => logger.warn(args.map(String).join(" "));
  console.error = (...args: unknown[]) => logger.error(args.map(String).join(" "));
}

/** Between tasks: nothing of the last one is kept here (its answers still owed are dropped, unsettled). */
function endTask(): void {
  pending.clear();
  redact = (text) => text;
  currentTask = undefined;
}

/**
 * The compiled module, imported once per path and digest: Node caches a module by its URL, so the digest in
 * the query makes a changed module a new one, and an unchanged one the same (with its module-level state).
 */
function importModule(init: InitMessage): Promise<Record<string, unknown>> {
  const url = pathToFileURL(init.modulePath);
  if (init.moduleVersion) url.searchParams.set("v", init.moduleVersion);
  return import(url.href) as Promise<Record<string, unknown>>;
}

async function loadMain<E>(init: InitMessage): Promise<(execution: E) => Promise<void>> {
  const module = (await importModule(init)) as { default?: unknown };
  if (typeof module.default !== "function") throw new ConnectorInvalid(kind);
  return module.default as (execution: E) => Promise<void>;
}

async function start(init: InitMessage): Promise<void> {
  kind = init.kind ?? "connector";
  if (kind === "action") return startAction(init);
  if (kind === "job") return startJob(init);
  const task = init.task;
  /** This task's packages not yet acknowledged. */
  const inflight = new Set<Promise<void>>();
  const execution = new ConnectorExecution({
    connectorName: init.taskName,
    isTestRun: init.isTestRun,
    parameters: init.parameters,
    secretParameters: init.secretParameters,
    context: init.context,
    allowList: init.allowList,
    ...(init.configuration ? { configuration: init.configuration, secretConfiguration: init.secretConfiguration ?? [] } : {}),
    transport: {
      log: (entry) => void send({ t: "log", entry }, task).catch(() => undefined),
      reportFetched: (count) => void send({ t: "fetched", count }, task).catch(() => undefined),
      reportSkipped: (id, reason) => void send({ t: "skipped", id, reason }, task).catch(() => undefined),
      submitPackage: (alerts: AlertInfo[], context) => {
        const seq = nextSeq++;
        const result = new Promise<PackageResult>((resolve, reject) => pending.set(seq, { resolve, reject }));
        const settled = result.then(
          () => undefined,
          () => undefined,
        );
        inflight.add(settled);
        void settled.then(() => inflight.delete(settled));
        let sent: Promise<void>;
        try {
          if (init.spoolDir) spoolPackage(init.spoolDir, seq, alerts);
          sent = send(
            init.spoolDir ? { t: "package", seq, alerts: [], spooled: true, context } : { t: "package", seq, alerts, context },
            task,
          );
        } catch (error) {
          sent = Promise.reject(error as Error);
        }
        sent.catch((error) => {
          pending.get(seq)?.reject(error as Error);
          pending.delete(seq);
        });
        return result;
      },
    },
  });
  redact = (text) => execution.redact(text);
  captureConsole(execution.logger);

  const module = (await importModule(init)) as { default?: unknown; ping?: unknown; watch?: unknown };
  if (init.mode === "ping" || init.mode === "watch") {
    const entry = module[init.mode];
    if (typeof entry !== "function") {
      throw init.mode === "ping" ? new ConnectorNoPing() : new ConnectorNoWatch();
    }
    const notify = (reason: string) => void send({ t: "changed", reason: String(reason).slice(0, 500) }, task).catch(() => undefined);
    await (entry as (execution: ConnectorExecution, onNewItems: (reason: string) => void) => Promise<void>)(execution, notify);
    await send({ t: "done", context: {} }, task);
    // A watch has a process of its own (watch.ts), restarted when it ends.
    if (init.mode === "watch") process.disconnect();
    return;
  }
  if (typeof module.default !== "function") {
    throw new ConnectorInvalid(kind);
  }
  await (module.default as (execution: ConnectorExecution) => Promise<void>)(execution);
  // A package handed over without await is still waited for before the run counts as done.
  await Promise.allSettled([...inflight]);
  await send({ t: "done", context: execution.takePendingContext() }, task);
}

/** A question to the platform's services from `task`, answered in order of arrival by the runner. */
function askPlatform(task: number | undefined, service: string, payload: unknown): Promise<unknown> {
  const seq = nextSeq++;
  return new Promise<unknown>((resolve, reject) => {
    pending.set(seq, { resolve, reject });
    send({ t: "ask", seq, service, payload }, task).catch((error: Error) => {
      pending.delete(seq);
      reject(error);
    });
  });
}

/** What an action's and a job's process both give their code: its parameters, the integration's, the log. */
function integrationCodeInit(init: InitMessage, integrationName: string) {
  const task = init.task;
  return {
    integrationName,
    isTestRun: init.isTestRun,
    parameters: init.parameters,
    secretParameters: init.secretParameters,
    configuration: init.configuration ?? {},
    secretConfiguration: init.secretConfiguration ?? [],
    log: (entry: LogEntry) => void send({ t: "log", entry }, task).catch(() => undefined),
    askPlatform: (service: string, payload: unknown) => askPlatform(task, service, payload),
  };
}

/** Runs the module's main with the execution, then reports what `done` says (the runner ends or keeps the process). */
async function runMain<E extends CodeExecution>(init: InitMessage, execution: E, done: (execution: E) => ChildMessage): Promise<void> {
  redact = (text) => execution.redact(text);
  captureConsole(execution.logger);
  const main = await loadMain<E>(init);
  await main(execution);
  await send(done(execution), init.task);
}

function startAction(init: InitMessage): Promise<void> {
  if (!init.action) throw new Error("an action's process was started without its case");
  const execution = new ActionExecution({ ...integrationCodeInit(init, init.action.integrationName), ...init.action });
  return runMain(init, execution, (ended) => ({ t: "done", context: {}, result: ended.takeResult() }));
}

function startJob(init: InitMessage): Promise<void> {
  if (!init.job) throw new Error("a job's process was started without its name");
  const execution = new JobExecution({
    ...integrationCodeInit(init, init.job.integrationName),
    jobName: init.job.jobName,
    context: init.context,
  });
  return runMain(init, execution, (ended) => ({ t: "done", context: ended.takeContext() }));
}
