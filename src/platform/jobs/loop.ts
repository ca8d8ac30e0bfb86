// Runs one scheduled job on its interval under intake serve: one run at a time, the next one an interval
// after the last ended.
import type { Store } from "../store/index.js";
import { runJob, type JobOutcome } from "./index.js";

export class JobLoop {
  readonly #store: Store;
  readonly #request: { integration: string; job: string };
  readonly #intervalSeconds: number;
  readonly #onRun: ((outcome: JobOutcome) => void) | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(store: Store, request: { integration: string; job: string }, intervalSeconds: number, onRun?: (outcome: JobOutcome) => void) {
    this.#store = store;
    this.#request = request;
    this.#intervalSeconds = intervalSeconds;
    this.#onRun = onRun;
  }

  start(): void {
    this.#tick();
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#running = runJob(this.#store, this.#request)
      .then((outcome) => this.#onRun?.(outcome), () => undefined)
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), this.#intervalSeconds * 1000);
      });
  }

  /** Stops the loop; a run under way is waited for (it ends at its timeout at the latest). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
