// Runs one connector on its interval and, with push, as soon as its watch reports new items:
// one run at a time, a run asked for during a run happens right after it.
import type { LogEntry } from "../../sdk/execution.js";
import type { Store } from "../store/index.js";
import { runConnector, type RunSummary } from "./run.js";
import { watchConnector, type Watcher } from "./watch.js";

export interface LoopOptions {
  intervalSeconds: number;
  push: boolean;
  onRun?: (summary: RunSummary) => void;
  onLog?: (entry: LogEntry) => void;
}

export class ConnectorLoop {
  readonly #store: Store;
  readonly #name: string;
  readonly #options: LoopOptions;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #watcher: Watcher | undefined;

  constructor(store: Store, name: string, options: LoopOptions) {
    this.#store = store;
    this.#name = name;
    this.#options = options;
  }

  start(): void {
    if (this.#options.push) {
      this.#watcher = watchConnector(this.#store, this.#name, {
        onChange: (reason) => {
          this.#options.onLog?.({ level: "info", message: `push: ${reason}`, time: Date.now() });
          this.trigger();
        },
        ...(this.#options.onLog ? { onLog: this.#options.onLog } : {}),
      });
    }
    this.trigger();
  }

  /** Asks for a run now; during a run, one more follows it. */
  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          const summary = await runConnector(this.#store, this.#name, this.#options.onLog ? { onLog: this.#options.onLog } : {});
          this.#options.onRun?.(summary);
        } catch (error) {
          // The run could not even start (e.g. another process holds its lease): the next tick retries.
          this.#options.onLog?.({ level: "warn", message: (error as Error).message, time: Date.now() });
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
      // The interval poll stays as the safety net under push.
      if (!this.#stopped) this.#timer = setTimeout(() => this.trigger(), this.#options.intervalSeconds * 1000);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#watcher?.stop();
    await this.#running;
  }
}
