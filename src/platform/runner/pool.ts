// Code processes for tasks (a connector run, an action, a job): started fresh for one task (the CLI's
// one-shot commands, tests, the IDE's Play), or kept warm under `intake serve`, `intake worker` and
// `intake connector watch` (n8n's task runners are the model): one per integration and kind, reused for
// one task at a time, recycled after MAX_TASKS tasks, past a memory bound, or after any failure.
import type { CodeProcess } from "./namespace.js";
import fs from "node:fs";
import path from "node:path";
import { spawnCodeProcess } from "./code-process.js";
import { makeSpoolFolder } from "./spool.js";
import type { CodeKind } from "./protocol.js";

/** What a process is started with; processes are shared only between tasks that ask for the same. */
export interface ProcessSpec {
  kind: CodeKind;
  memoryMb: number;
  readRoots: string[];
}

/** One code process and what the runner keeps about it. */
export class PooledProcess {
  readonly child: CodeProcess;
  readonly key: string;
  readonly spoolDir: string | undefined;
  /** Tasks sent to it so far (the next task's number is tasks + 1). */
  tasks = 0;
  /** Where its output goes: the task under way's log; between tasks, nowhere. */
  output: ((level: "info" | "error", text: string) => void) | undefined;
  /** Settles when the process has exited (at once if it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exited = false;

  constructor(key: string, spec: ProcessSpec) {
    this.key = key;
    this.spoolDir = makeSpoolFolder();
    try {
      this.child = spawnCodeProcess({
        memoryMb: spec.memoryMb,
        readRoots: spec.readRoots,
        ...(this.spoolDir ? { spoolDir: this.spoolDir } : {}),
      });
    } catch (error) {
      // No sandbox to start it in (INTAKE_SANDBOX=strict): nothing is left behind.
      if (this.spoolDir) fs.rmSync(this.spoolDir, { recursive: true, force: true });
      throw error;
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.#exited = true;
        resolve({ code, signal });
      });
      // A process that could not start at all emits "error" and no "exit".
      this.child.once("error", () => {
        if (this.child.pid === undefined) {
          this.#exited = true;
          resolve({ code: null, signal: null });
        }
      });
    });
    this.child.stdout?.on("data", (chunk: Buffer) => this.output?.("info", chunk.toString("utf8")));
    this.child.stderr?.on("data", (chunk: Buffer) => this.output?.("error", chunk.toString("utf8")));
    void this.exited.then(() => {
      if (this.spoolDir) fs.rmSync(this.spoolDir, { recursive: true, force: true });
    });
  }

  get alive(): boolean {
    return !this.#exited && this.child.connected;
  }

  /** Empties its spool folder between tasks: no file of one task is there for the next. */
  clearSpool(): void {
    if (!this.spoolDir) return;
    try {
      for (const name of fs.readdirSync(this.spoolDir)) fs.rmSync(path.join(this.spoolDir, name), { recursive: true, force: true });
    } catch {
      // Gone with its process.
    }
  }

  /** Ends it: the IPC channel closed (on which it leaves), then SIGKILL if it lingers. */
  retire(): void {
    if (this.#exited) return;
    if (this.child.connected) this.child.disconnect();
    const kill = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    kill.unref();
    void this.exited.then(() => clearTimeout(kill));
  }

  kill(): void {
    if (!this.#exited) this.child.kill("SIGKILL");
  }

  /** Its resident memory in MB (Linux: /proc/PID/status VmRSS), or undefined when it cannot be read. */
  residentMb(): number | undefined {
    if (this.child.pid === undefined) return undefined;
    try {
      const status = fs.readFileSync(`/proc/${this.child.pid}/status`, "utf8");
      const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
      return match ? Number(match[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Hands out a process for a task and takes it back when the task has ended. */
export interface CodeRunner {
  acquire(spec: ProcessSpec): PooledProcess;
  /** `reusable`: the task succeeded and the process may take another. */
  release(process: PooledProcess, reusable: boolean): void;
}

export const processKey = (spec: ProcessSpec): string => JSON.stringify([spec.kind, spec.memoryMb, spec.readRoots]);

/** Processes started so far by this platform process (fresh and warm): what the tests count. */
let started = 0;
export function processesStarted(): number {
  return started;
}

function startProcess(spec: ProcessSpec): PooledProcess {
  started++;
  return new PooledProcess(processKey(spec), spec);
}

/** A process per task, ended when the task ends: the CLI's one-shot commands, the IDE's Play, tests. */
export const freshRunner: CodeRunner = {
  acquire: startProcess,
  release: (process) => process.retire(),
};

export interface WarmPoolOptions {
  /** Tasks a process takes before it is replaced. */
  maxTasks?: number;
  /** Resident memory (MB) past which a process is replaced after its task. */
  maxResidentMb?: number;
  /** Warm processes kept per integration and kind; a task beyond them gets a process of its own for itself. */
  maxPerKey?: number;
  /** A process idle this long is ended. */
  idleMs?: number;
}

export const WARM_DEFAULTS = { maxTasks: 100, maxResidentMb: 384, maxPerKey: 2, idleMs: 15 * 60_000 } as const;

/** Warm processes, reused one task at a time. Never shared between keys: a process runs one integration's code of one kind. */
export class WarmPool implements CodeRunner {
  readonly #options: Required<WarmPoolOptions>;
  /** Every warm process by key, busy or idle. */
  readonly #processes = new Map<string, Set<PooledProcess>>();
  readonly #idle = new Map<PooledProcess, NodeJS.Timeout>();
  readonly #busy = new Set<PooledProcess>();
  #stopped = false;

  constructor(options: WarmPoolOptions = {}) {
    this.#options = { ...WARM_DEFAULTS, ...options };
  }

  acquire(spec: ProcessSpec): PooledProcess {
    const key = processKey(spec);
    const kept = this.#processes.get(key) ?? new Set<PooledProcess>();
    for (const process of kept) {
      if (this.#busy.has(process) || !process.alive) continue;
      clearTimeout(this.#idle.get(process));
      this.#idle.delete(process);
      this.#busy.add(process);
      return process;
    }
    const process = startProcess(spec);
    this.#busy.add(process);
    // Beyond the bound the task still runs at once, in a process of its own that is not kept.
    if (this.#stopped || kept.size >= this.#options.maxPerKey) return process;
    kept.add(process);
    this.#processes.set(key, kept);
    void process.exited.then(() => this.#forget(process));
    return process;
  }

  /**
   * Starts an idle process for this spec ahead of its first task, unless one is kept already: the first
   * report after a start does not wait for a process to boot.
   */
  prestart(spec: ProcessSpec): void {
    const key = processKey(spec);
    if (this.#stopped || (this.#processes.get(key)?.size ?? 0) > 0) return;
    const process = startProcess(spec);
    this.#processes.set(key, new Set([process]));
    void process.exited.then(() => this.#forget(process));
    this.#parkIdle(process);
  }

  release(process: PooledProcess, reusable: boolean): void {
    this.#busy.delete(process);
    const kept = this.#processes.get(process.key)?.has(process) ?? false;
    const resident = process.residentMb();
    const keep =
      kept &&
      reusable &&
      !this.#stopped &&
      process.alive &&
      process.tasks < this.#options.maxTasks &&
      (resident === undefined || resident <= this.#options.maxResidentMb);
    if (!keep) {
      this.#forget(process);
      process.retire();
      return;
    }
    this.#parkIdle(process);
  }

  /** Keeps a process for the next task; ended after idleMs without one. */
  #parkIdle(process: PooledProcess): void {
    const timer = setTimeout(() => {
      this.#forget(process);
      process.retire();
    }, this.#options.idleMs);
    timer.unref();
    this.#idle.set(process, timer);
  }

  /** Warm processes now (busy and idle). */
  size(): number {
    let count = 0;
    for (const kept of this.#processes.values()) count += kept.size;
    return count;
  }

  /** Ends the idle processes now and every busy one when its task ends (tasks under way are not cut short). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#processes.values()].flatMap((kept) => [...kept]);
    for (const process of all)
      if (!this.#busy.has(process)) {
        this.#forget(process);
        process.retire();
      }
    await Promise.all(all.map((process) => process.exited));
  }

  #forget(process: PooledProcess): void {
    clearTimeout(this.#idle.get(process));
    this.#idle.delete(process);
    const kept = this.#processes.get(process.key);
    kept?.delete(process);
    if (kept?.size === 0) this.#processes.delete(process.key);
  }
}

let warm: WarmPool | undefined;

/**
 * Long-lived commands (serve, worker, connector watch) keep their code processes warm from here on;
 * INTAKE_WARM_RUNNERS=off keeps a fresh process per task. Returns the pool, or undefined when off.
 */
export function enableWarmRunners(options: WarmPoolOptions = {}): WarmPool | undefined {
  if (process.env.INTAKE_WARM_RUNNERS === "off") return undefined;
  const fromEnvironment = (name: string): number | undefined => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const maxTasks = fromEnvironment("INTAKE_RUNNER_MAX_TASKS");
  const maxResidentMb = fromEnvironment("INTAKE_RUNNER_MAX_RSS_MB");
  warm ??= new WarmPool({ ...(maxTasks ? { maxTasks } : {}), ...(maxResidentMb ? { maxResidentMb } : {}), ...options });
  return warm;
}

/** Ends the warm processes (at shutdown); later tasks get fresh processes. */
export async function stopWarmRunners(): Promise<void> {
  const pool = warm;
  warm = undefined;
  await pool?.stop();
}

/** The warm pool, when long-lived commands enabled it. */
export function warmPool(): WarmPool | undefined {
  return warm;
}

/** The runner for a task: warm when enabled and the task may be, else fresh. */
export function runnerFor(fresh: boolean): CodeRunner {
  return !fresh && warm ? warm : freshRunner;
}
