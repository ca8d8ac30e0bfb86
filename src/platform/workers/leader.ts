// What has no queue of its own yet runs on one worker of the cluster, the leader: the services of the table
// (services/index.ts) marked "leader", the scheduled jobs and the threat-intel feed refreshes. The leader holds a
// session advisory lock on a connection of its own; when it dies the database drops the lock, and the next worker
// to try on its tick becomes the leader.
import type pg from "pg";
import type { Store } from "../store/index.js";

/** The advisory lock's key ("LDR", 0): apart from the run ("INT") and watch ("WAT") locks. */
const LEADER_LOCK_SPACE = 0x4c4452;

export interface LeaderDuties {
  /** Tries to become the leader when no live worker is. */
  refresh(): Promise<void>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/**
 * `startDuties` starts the leader's services once the lock is held and returns what stops them (when the lock's
 * connection ends, or the worker stops).
 */
export function startLeaderDuties(
  store: Store,
  notice: (message: string) => void,
  startDuties: () => Promise<() => Promise<void>>,
): LeaderDuties {
  let held: { client: pg.Client; stop?: () => Promise<void> } | undefined;
  let stopped = false;

  const resign = async () => {
    const duties = held;
    if (!duties) return;
    held = undefined;
    await duties.stop?.();
    await duties.client.end().catch(() => undefined);
  };

  return {
    async refresh() {
      if (held || stopped) return;
      const { default: pgModule } = await import("pg");
      const client = new pgModule.Client({ connectionString: store.url, application_name: "intake leader" });
      client.on("error", () => undefined);
      await client.connect();
      let locked = false;
      try {
        await client.query("set tcp_keepalives_idle = 10; set tcp_keepalives_interval = 5; set tcp_keepalives_count = 3");
        const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1::int, 0) as locked", [LEADER_LOCK_SPACE]);
        locked = rows[0]?.locked === true && !stopped;
      } finally {
        if (!locked) await client.end().catch(() => undefined);
      }
      if (!locked) return;
      const duties: { client: pg.Client; stop?: () => Promise<void> } = { client };
      held = duties;
      // The lock went with the connection (the database restarted): stop, and try again on a later tick.
      client.once("end", () => {
        if (held === duties) void resign().then(() => notice("leader: the lock's connection ended; no longer the leader"));
      });
      notice("leader: this worker runs the scheduled jobs and the feed refreshes");
      try {
        duties.stop = await startDuties();
      } catch (error) {
        // Tried again on a later tick, by this worker or another.
        if (held === duties) await resign();
        throw error;
      }
      // Resigned while its services started (the worker stopping, the connection lost): they stop at once.
      if (held !== duties) await duties.stop();
    },
    isLeader: () => held !== undefined,
    async stop() {
      stopped = true;
      await resign();
    },
  };
}
