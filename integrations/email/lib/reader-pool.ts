// Reads raw messages into alerts: MIME parsing and indicator extraction (the CPU work), on worker
// threads where the machine has cores to spare, else on the connector's own thread; in order.
import os from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { AlertInfo } from "intake/sdk";
import { alertIdOf } from "./build-alert.js";
import { alertsOf, skipReason } from "./enrich.js";
import { readMessage } from "./read-message.js";
import { readSettings, type EmailSettings, type ParameterSource } from "./settings.js";

const ROLE = "intake-email-reader";
/** A worker's own heap cap: one huge message fails that message's worker, not the run's process. */
const WORKER_HEAP_MB = 512;
/** Its young generation: a message's garbage dies young; a small one keeps the thread's memory low. */
const WORKER_YOUNG_MB = 6;
/**
 * Read on the connector's own thread, it lets the connection in after this many messages: the next
 * batch arrives while this one is read (the server and the decryption then overlap the reading).
 */
const YIELD_EVERY = 10;

/**
 * Reader threads for this machine. On two cores none: the platform's process stores on one core while
 * the connector fetches and reads on the other, and a reader thread's hand-overs and its own heap and
 * compiler cost more than it saved (measured on 10,000 reports: the same time, a fifth more CPU and
 * 50 MB more memory). Past that, one per core beyond two, at most two.
 */
export function readerThreadsFor(cores: number): number {
  return cores >= 3 ? Math.min(2, cores - 2) : 0;
}

export interface ReadTask {
  uid: number;
  source: Uint8Array;
  internalDate?: Date;
  folder: string;
}

export interface ReadOutcome {
  uid: number;
  id: string;
  subject: string;
  /** Why the message is not an alert, or undefined. */
  skip?: string;
  alerts: AlertInfo[];
}

/** One message to its alerts (or the reason it has none): the same on a worker and on the main thread. */
export async function readOne(settings: EmailSettings, task: ReadTask): Promise<ReadOutcome> {
  // One message never stops the batch: readMessage keeps what it can and notes the rest.
  const report = await readMessage(task.source, { timeZone: settings.serverTimeZone });
  const id = alertIdOf(report);
  const skip = skipReason(settings, report);
  if (skip) return { uid: task.uid, id, subject: report.subject, skip, alerts: [] };
  const origin = { uid: task.uid, folder: task.folder, ...(task.internalDate ? { internalDate: task.internalDate } : {}) };
  return { uid: task.uid, id, subject: report.subject, alerts: alertsOf(settings, report, origin) };
}

/** Records the parameter values the settings were read from, for workers to read the same settings. */
export function recordParameters(execution: ParameterSource): { source: ParameterSource; values: Record<string, unknown> } {
  const values: Record<string, unknown> = {};
  const source = {
    extractConnectorParam: (name: string, options?: object) => {
      const value = (execution.extractConnectorParam as (n: string, o?: object) => unknown)(name, options);
      values[name] = value;
      return value;
    },
  } as ParameterSource;
  return { source, values };
}

function replayParameters(values: Record<string, unknown>): ParameterSource {
  return { extractConnectorParam: ((name: string) => values[name]) as ParameterSource["extractConnectorParam"] };
}

/** Reads messages one after the other (a batch started at once would interleave at every await of the parser). */
export async function readAll(settings: EmailSettings, tasks: ReadTask[], yieldEvery = 0): Promise<ReadOutcome[]> {
  const outcomes: ReadOutcome[] = [];
  for (const task of tasks) {
    outcomes.push(await readOne(settings, task));
    if (yieldEvery > 0 && outcomes.length % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return outcomes;
}

// On a worker thread started by ReaderPool: read the batches the main thread sends, one at a time.
if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE && parentPort) {
  const port = parentPort;
  const settings = readSettings(replayParameters((workerData as { parameters: Record<string, unknown> }).parameters));
  let reading: Promise<void> = Promise.resolve();
  port.on("message", ({ seq, tasks }: { seq: number; tasks: ReadTask[] }) => {
    reading = reading.then(() => readAll(settings, tasks)).then(
      (outcomes) => port.postMessage({ seq, outcomes: outcomes.map((outcome, i) => withoutSource(outcome, tasks[i]!.source)) }),
      (error: Error) => port.postMessage({ seq, error: error?.message ?? String(error) }),
    );
  });
}

// The original .eml is the message's own bytes, which the main thread still has: not sent back.
const SOURCE = new Uint8Array(0);

function withoutSource(outcome: ReadOutcome, source: Uint8Array): ReadOutcome {
  for (const alert of outcome.alerts) {
    alert.attachments = alert.attachments.map((file) => (file.data === source ? { ...file, data: SOURCE, fromSource: true } : file));
  }
  return outcome;
}

function withSource(outcome: ReadOutcome, source: Uint8Array): ReadOutcome {
  for (const alert of outcome.alerts) {
    alert.attachments = alert.attachments.map((file) => {
      if (!(file as { fromSource?: boolean }).fromSource) return file;
      const { fromSource: _, ...rest } = file as typeof file & { fromSource?: boolean };
      return { ...rest, data: source };
    });
  }
  return outcome;
}

interface Pending {
  tasks: ReadTask[];
  resolve: (outcomes: ReadOutcome[]) => void;
  reject: (error: Error) => void;
}

/** A message's bytes on their own: a slice of a larger buffer would send the whole buffer along. */
function compact(source: Uint8Array): Uint8Array {
  return source.byteOffset === 0 && source.byteLength === source.buffer.byteLength ? source : new Uint8Array(source);
}

/**
 * A few workers (`size`), each given whole batches in turn. A batch goes over in one message and its
 * outcomes come back in one: a message each way per mail cost the reader a third more time (measured:
 * 2.9 against 1.9 s of CPU for 10,000 reports) in serialising, waking and collecting. A worker that
 * fails hands its batches back to the main thread, which reads them itself.
 */
export class ReaderPool {
  readonly #settings: EmailSettings;
  readonly #parameters: Record<string, unknown>;
  readonly #workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  readonly #size: number;
  #next = 0;
  #seq = 0;
  #disabled = false;
  #started = false;
  /** The last batch read on this thread: the next one starts after it. */
  #reading: Promise<unknown> = Promise.resolve();

  constructor(settings: EmailSettings, parameters: Record<string, unknown>, size = readerThreadsFor(os.availableParallelism?.() ?? os.cpus().length)) {
    this.#settings = settings;
    this.#parameters = parameters;
    this.#size = size;
    // The module is its own worker script only when bundled (the connector's compiled .mjs).
    if (size < 1 || !import.meta.url.endsWith(".mjs")) this.#disabled = true;
  }

  /** Starts the threads (once); until then, and for a few messages, reading stays on this thread. */
  start(): void {
    if (this.#started || this.#disabled) return;
    this.#started = true;
    for (let i = 0; i < this.#size; i++) this.#spawn();
  }

  #spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(new URL(import.meta.url), {
        workerData: { role: ROLE, parameters: this.#parameters },
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        stdout: false,
        stderr: false,
      });
    } catch {
      this.#disabled = true;
      return;
    }
    const slot = { worker, pending: new Map<number, Pending>() };
    worker.on("message", (reply: { seq: number; outcomes?: ReadOutcome[]; error?: string }) => {
      const waiter = slot.pending.get(reply.seq);
      if (!waiter) return;
      slot.pending.delete(reply.seq);
      if (reply.outcomes) waiter.resolve(reply.outcomes.map((outcome, i) => withSource(outcome, waiter.tasks[i]!.source)));
      else waiter.reject(new Error(reply.error ?? "the reader failed"));
    });
    const failed = () => {
      const index = this.#workers.indexOf(slot);
      if (index < 0) return;
      this.#workers.splice(index, 1);
      // Its batches are read on the main thread; later ones go to the other workers (or there too).
      for (const waiter of slot.pending.values()) this.#readHere(waiter.tasks).then(waiter.resolve, waiter.reject);
      slot.pending.clear();
    };
    worker.on("error", failed);
    worker.on("exit", failed);
    worker.unref();
    this.#workers.push(slot);
  }

  #readHere(tasks: ReadTask[]): Promise<ReadOutcome[]> {
    const outcomes = this.#reading.then(() => readAll(this.#settings, tasks, YIELD_EVERY));
    this.#reading = outcomes.catch(() => undefined);
    return outcomes;
  }

  /** Reads a batch of messages; its outcomes come back in the order of the tasks. */
  read(tasks: ReadTask[]): Promise<ReadOutcome[]> {
    if (this.#disabled || this.#workers.length === 0) return this.#readHere(tasks);
    const slot = this.#workers[this.#next++ % this.#workers.length]!;
    const seq = ++this.#seq;
    return new Promise<ReadOutcome[]>((resolve, reject) => {
      // Copied, not moved: the bytes stay here for the main thread to read if the worker fails.
      slot.pending.set(seq, { tasks, resolve, reject });
      slot.worker.postMessage({ seq, tasks: tasks.map((task) => ({ ...task, source: compact(task.source) })) });
    });
  }

  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }
}
