// Refreshes the feeds on their intervals under intake serve: one refresh at a time (each is a sandboxed
// process reading a file that may be large), a feed due when its interval has passed since its last try;
// a feed another process refreshes right now is skipped.
import { FeedRefreshRunning } from "../errors.js";
import type { Store } from "../store/index.js";
import { listFeeds, refreshFeed, type Feed } from "./index.js";

/** How often the loop looks for a feed that is due. */
const TICK_MS = 30_000;

export class FeedScheduler {
  readonly #store: Store;
  readonly #onRefresh: (feed: string, outcome: { indicators?: number; error?: string }) => void;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(store: Store, onRefresh: (feed: string, outcome: { indicators?: number; error?: string }) => void = () => undefined) {
    this.#store = store;
    this.#onRefresh = onRefresh;
  }

  start(): void {
    this.#tick();
  }

  #due(feed: Feed, now: number): boolean {
    const last = Math.max(feed.refreshedAt ?? 0, feed.errorAt ?? 0);
    return now - last >= feed.intervalSeconds * 1000;
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#running = (async () => {
      for (const feed of await listFeeds(this.#store)) {
        if (this.#stopped) return;
        if (!this.#due(feed, Date.now())) continue;
        try {
          const { feed: refreshed } = await refreshFeed(this.#store, feed.name, { signal: this.#abort.signal });
          this.#onRefresh(feed.name, { indicators: refreshed.indicators });
        } catch (error) {
          // Refreshed elsewhere right now (intake feeds refresh, the console): that one records its outcome.
          if (error instanceof FeedRefreshRunning) continue;
          this.#onRefresh(feed.name, { error: (error as Error).message });
        }
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.#tick(), TICK_MS);
      });
  }

  /** Stops the loop; a refresh under way is stopped (the feed keeps its indicators). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running;
  }
}
