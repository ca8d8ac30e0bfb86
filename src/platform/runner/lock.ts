// One run per connector at a time, across processes and machines, with a lock that ends when its holder dies.
import os from "node:os";
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { RunInProgress } from "../errors.js";
import type { Database, Store } from "../store/index.js";
import { processIsGone, processStartTime } from "./liveness.js";

/** SQLite: how long a lease of another machine lasts without being renewed. */
const LEASE_MS = 60_000;
/**
 * PostgreSQL: the first half of the advisory lock's key ("INT"), the connector's id the second, so that
 * run locks keep apart from other advisory locks taken in a shared database.
 */
const RUN_LOCK_SPACE = 0x494e54;

/** Who runs: `host:pid:random:start`, the process's start time (Linux) telling a reused pid apart. */
export function makeOwner(): string {
  return [os.hostname(), process.pid, crypto.randomBytes(4).toString("hex"), processStartTime() ?? ""].join(":");
}

interface Holder {
  host: string;
  pid: number;
  /** Absent in owners written before start times were recorded, and where there is no /proc. */
  startTime?: string;
}

function parseOwner(owner: string): Holder | undefined {
  const [host, pid, , startTime] = owner.split(":");
  if (!host || !pid || !/^[1-9]\d*$/.test(pid)) return undefined;
  return { host, pid: Number(pid), ...(startTime ? { startTime } : {}) };
}

/**
 * SQLite: whether a lease row's holder still holds it. A holder of this machine holds it exactly as
 * long as its process runs, whatever the row's expiry: the process is checked, and a run that keeps its
 * event loop busy past the expiry must not let a second run start beside it. A holder with another
 * host name (a container sharing the data folder) cannot be checked from here, so its lease lasts
 * while it renews it.
 */
export function leaseIsHeld(held: { owner: string; expires_at: number }, now: number): boolean {
  const holder = parseOwner(held.owner);
  if (holder?.host === os.hostname()) return !processIsGone(holder.pid, holder.startTime);
  return held.expires_at > now;
}

function inProgress(connectorName: string, owner: string | undefined): InstanceType<typeof RunInProgress> {
  const holder = owner ? parseOwner(owner) : undefined;
  return new RunInProgress(connectorName, holder ? `${holder.host} pid ${holder.pid}` : "its run is not recorded yet");
}

/** Called with the lock held: any run of the connector still marked running was left by a holder that died. */
async function recordInterrupted(db: Kysely<Database> | Transaction<Database>, connectorId: number, now: number): Promise<void> {
  await db
    .updateTable("runs")
    .set({ status: "interrupted", finished_at: now, error: "the process running it stopped before the run ended" })
    .where("connector_id", "=", connectorId)
    .where("is_test", "=", 0)
    .where("status", "=", "running")
    .execute();
}

export interface Lease {
  owner: string;
  release(): Promise<void>;
}

export function acquireLease(store: Store, connectorId: number, connectorName: string): Promise<Lease> {
  return store.dialect === "postgres"
    ? acquireAdvisoryLock(store, connectorId, connectorName)
    : acquireLeaseRow(store, connectorId, connectorName);
}

/**
 * PostgreSQL: a session-level advisory lock on a connection of its own, held for the whole run. The
 * database drops it with the session, whatever ends the holder. Not from the store's pool: runs of
 * many connectors at once would each hold a pooled connection and starve the pool they ingest through.
 */
async function acquireAdvisoryLock(store: Store, connectorId: number, connectorName: string): Promise<Lease> {
  const { default: pg } = await import("pg");
  const owner = makeOwner();
  const client = new pg.Client({ connectionString: store.url, application_name: "intake run lock" });
  // A lost connection has lost the lock with it; the run goes on and its release has nothing to do.
  // Without a listener, the client's "error" event would end the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    // A machine that vanishes closes no socket: the server probes the idle session and ends it, and so
    // its lock, within about a minute (over TCP; ignored on a Unix socket, where no machine can vanish).
    await client.query("set tcp_keepalives_idle = 30; set tcp_keepalives_interval = 10; set tcp_keepalives_count = 3");
    const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1::int, $2::int) as locked", [
      RUN_LOCK_SPACE,
      connectorId,
    ]);
    if (!rows[0]?.locked) {
      const running = await store.db
        .selectFrom("runs")
        .select("owner")
        .where("connector_id", "=", connectorId)
        .where("is_test", "=", 0)
        .where("status", "=", "running")
        .orderBy("id", "desc")
        .executeTakeFirst();
      throw inProgress(connectorName, running?.owner);
    }
    await recordInterrupted(store.db, connectorId, Date.now());
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    owner,
    async release() {
      await client.query("select pg_advisory_unlock($1::int, $2::int)", [RUN_LOCK_SPACE, connectorId]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** SQLite: a lease row naming its holder, taken over once the holder no longer holds it. */
async function acquireLeaseRow(store: Store, connectorId: number, connectorName: string): Promise<Lease> {
  const owner = makeOwner();
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    // Write first: SQLite takes its write lock before the read below.
    await trx.updateTable("connector_locks").set({ expires_at: 0 }).where("connector_id", "=", -1).execute();
    const held = await trx.selectFrom("connector_locks").selectAll().where("connector_id", "=", connectorId).executeTakeFirst();
    if (held) {
      if (leaseIsHeld(held, now)) throw inProgress(connectorName, held.owner);
      await trx.deleteFrom("connector_locks").where("connector_id", "=", connectorId).execute();
    }
    await recordInterrupted(trx, connectorId, now);
    await trx
      .insertInto("connector_locks")
      .values({ connector_id: connectorId, owner, expires_at: now + LEASE_MS })
      .execute();
  });
  const renew = setInterval(() => {
    void store.db
      .updateTable("connector_locks")
      .set({ expires_at: Date.now() + LEASE_MS })
      .where("connector_id", "=", connectorId)
      .where("owner", "=", owner)
      .execute()
      .catch(() => undefined);
  }, LEASE_MS / 3);
  renew.unref();
  return {
    owner,
    async release() {
      clearInterval(renew);
      await store.db.deleteFrom("connector_locks").where("connector_id", "=", connectorId).where("owner", "=", owner).execute();
    },
  };
}
