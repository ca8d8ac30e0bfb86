// The one place services are started in order and stopped in reverse, the drain past a grace period, and the signals
// that stop a long-lived process (the first drains it, a second leaves at once).

/** Something started that the stack stops: a service of the table, or a part of a command (its HTTP server). */
interface Started {
  name: string;
  stop(): Promise<void>;
}

/** What a stack starts: a row of the services table with the context it is started in (services/index.ts). */
export interface Startable<Context> {
  name: string;
  start(context: Context): Promise<() => Promise<void>>;
}

export class ServiceStack {
  readonly #started: Started[] = [];
  readonly #notice: (message: string) => void;
  readonly #stopping = new AbortController();
  #stopped: Promise<void> | undefined;

  constructor(notice: (message: string) => void) {
    this.#notice = notice;
  }

  /**
   * Aborted as the stop begins, before any service is stopped: a service that takes work (the worker's runs) stops
   * taking it at once rather than when its turn to stop comes.
   */
  get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /**
   * Starts each in order. When one cannot start, what this call and earlier ones started is stopped (in reverse)
   * and the error thrown: a process that cannot come up leaves nothing running.
   */
  async start<Context>(services: readonly Startable<Context>[], context: Context): Promise<void> {
    for (const service of services) {
      let stop: () => Promise<void>;
      try {
        stop = await service.start(context);
      } catch (error) {
        await this.stop();
        throw error;
      }
      this.add(service.name, stop);
    }
  }

  /** Something the caller started itself, stopped in its turn (after everything started later). */
  add(name: string, stop: () => Promise<void>): void {
    this.#started.push({ name, stop });
  }

  /**
   * Stops everything in the reverse order of its start, each after the one started after it has finished; one that
   * fails to stop is said and the rest still stopped. A second call waits for the first.
   */
  stop(): Promise<void> {
    this.#stopping.abort();
    this.#stopped ??= (async () => {
      for (let service = this.#started.pop(); service; service = this.#started.pop()) {
        try {
          await service.stop();
        } catch (error) {
          this.#notice(`${service.name}: could not stop: ${(error as Error).message}`);
        }
      }
    })().finally(() => (this.#stopped = undefined));
    return this.#stopped;
  }
}

/** Waits for `work` up to `graceMs`; true when it all finished in time (the caller then stops what is left). */
export async function finishedWithin(work: readonly Promise<unknown>[], graceMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = Promise.allSettled(work).then(() => true);
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
    timer.unref();
  });
  try {
    return await Promise.race([finished, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SignalWords {
  /** What the first SIGTERM or SIGINT says: the process drains. */
  stopping(signal: NodeJS.Signals): string;
  /** What a second one says: the process leaves at once (exit code 130). */
  leaving(signal: NodeJS.Signals): string;
}

/** Resolves once the first SIGTERM or SIGINT has been answered by `stop`; a second signal leaves at once. */
export function stopOnSignal(stop: () => Promise<void>, words: SignalWords, write: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        write(words.leaving(signal));
        process.exit(130);
      }
      stopping = true;
      write(words.stopping(signal));
      stop().then(resolve, reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
