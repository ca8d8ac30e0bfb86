// One run per connector at a time, across processes and machines: a lease row in the database.
import os from "node:os";
import crypto from "node:crypto";
import { RunInProgress } from "../errors.js";
import type { Store } from "../store/index.js";

const LEASE_MS = 60_000;

export function makeOwner(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;
}

/** True when the owner is a process of this machine that no longer exists. */
export function ownerIsDead(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== os.hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export interface Lease {
  owner: string;
  release(): Promise<void>;
}

export async function acquireLease(store: Store, connectorId: number, connectorName: string): Promise<Lease> {
  const owner = makeOwner();
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    // Write first: SQLite takes its write lock before the read below.
    await trx.updateTable("connector_locks").set({ expires_at: 0 }).where("connector_id", "=", -1).execute();
    const held = await trx.selectFrom("connector_locks").selectAll().where("connector_id", "=", connectorId).executeTakeFirst();
    if (held && held.expires_at > now && !ownerIsDead(held.owner)) {
      throw new RunInProgress(connectorName, held.owner.split(":").slice(0, 2).join(" pid "));
    }
    if (held) {
      // The previous holder died mid-run: its run is recorded as interrupted.
      await trx.updateTable("runs").set({ status: "interrupted", finished_at: now, error: "the process running it stopped before the run ended" })
        .where("owner", "=", held.owner).where("status", "=", "running").execute();
      await trx.deleteFrom("connector_locks").where("connector_id", "=", connectorId).execute();
    }
    await trx.insertInto("connector_locks").values({ connector_id: connectorId, owner, expires_at: now + LEASE_MS }).execute();
  });
  const renew = setInterval(() => {
    void store.db.updateTable("connector_locks").set({ expires_at: Date.now() + LEASE_MS })
      .where("connector_id", "=", connectorId).where("owner", "=", owner).execute().catch(() => undefined);
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
