// Push in queue mode: each connector's watch (its IMAP IDLE connection) held by exactly one worker. The
// holder owns a session advisory lock per watched connector on a connection of its own; when it dies, the
// database ends the session and the lock with it, and the next worker to try on its tick takes over.
import type pg from "pg";
import type PgBoss from "pg-boss";
import type { LogEntry } from "../../sdk/execution.js";
import { listConnectors, resolveConnector, wantsPush } from "../catalog/index.js";
import { watchConnector, type Watcher } from "../runner/index.js";
import type { Store } from "../store/index.js";
import { sendConnectorRun } from "./schedule.js";

/** The advisory lock's first half ("WAT"): apart from the run locks ("INT") of the same connector ids. */
const WATCH_LOCK_SPACE = 0x574154;

interface Held {
  client: pg.Client;
  watcher: Watcher;
  /** What the watch was started with: a changed connector is watched afresh. */
  key: string;
}

export interface WatcherPool {
  /** Takes the watches no live worker holds, and drops those of connectors no longer pushing. */
  refresh(): Promise<void>;
  /** Connector names watched by this worker. */
  held(): string[];
  stop(): Promise<void>;
}

export function startWatcherPool(
  store: Store,
  boss: PgBoss,
  options: { onLog?: (connector: string, entry: LogEntry) => void } = {},
): WatcherPool {
  const held = new Map<string, Held>();
  let stopped = false;

  const release = async (name: string) => {
    const entry = held.get(name);
    if (!entry) return;
    held.delete(name);
    await entry.watcher.stop();
    // Ending the session releases its lock.
    await entry.client.end().catch(() => undefined);
  };

  const take = async (connectorId: number, name: string, key: string) => {
    const { default: pgModule } = await import("pg");
    const client = new pgModule.Client({ connectionString: store.url, application_name: "intake push watch" });
    // A lost connection has lost the lock: the watch is stopped below, and taken again on a later tick if free.
    client.on("error", () => undefined);
    await client.connect();
    try {
      await client.query("set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 3");
      const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1::int, $2::int) as locked", [
        WATCH_LOCK_SPACE,
        connectorId,
      ]);
      if (!rows[0]?.locked || stopped) {
        await client.end().catch(() => undefined);
        return;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    const watcher = watchConnector(store, name, {
      onChange: (reason) => {
        options.onLog?.(name, { level: "info", message: `push: ${reason}`, time: Date.now() });
        void sendConnectorRun(boss, { connectorId, connector: name, reason: "push" }).catch((error: unknown) =>
          options.onLog?.(name, {
            level: "warn",
            message: `push: the run could not be queued: ${(error as Error).message}`,
            time: Date.now(),
          }),
        );
      },
      ...(options.onLog ? { onLog: (entry: LogEntry) => options.onLog?.(name, entry) } : {}),
    });
    const entry: Held = { client, watcher, key };
    held.set(name, entry);
    client.once("end", () => {
      if (held.get(name) === entry) void release(name);
    });
    options.onLog?.(name, { level: "info", message: "push: this worker holds the watch", time: Date.now() });
    // Mail that came while no one watched: one run at once.
    await sendConnectorRun(boss, { connectorId, connector: name, reason: "push" });
  };

  return {
    async refresh() {
      if (stopped) return;
      const wanted = new Map<string, { id: number; key: string }>();
      for (const instance of await listConnectors(store)) {
        if (!instance.enabled) continue;
        try {
          if (wantsPush(await resolveConnector(store, instance.name)))
            wanted.set(instance.name, { id: instance.id, key: `${instance.id}|${instance.updatedAt}` });
        } catch {
          // Its integration is gone: its runs record the error; nothing to watch.
        }
      }
      for (const [name, entry] of held) if (wanted.get(name)?.key !== entry.key) await release(name);
      for (const [name, want] of wanted) {
        if (held.has(name) || stopped) continue;
        try {
          await take(want.id, name, want.key);
        } catch (error) {
          options.onLog?.(name, {
            level: "warn",
            message: `push: the watch lock could not be tried: ${(error as Error).message}`,
            time: Date.now(),
          });
        }
      }
    },
    held() {
      return [...held.keys()];
    },
    async stop() {
      stopped = true;
      await Promise.all([...held.keys()].map((name) => release(name)));
    },
  };
}
