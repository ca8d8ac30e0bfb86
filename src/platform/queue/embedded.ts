// The embedded queue: jobs in the store's queue_jobs table, taken by one UPDATE so that two workers never
// take the same job; a job whose worker died is put back (on this machine at once, elsewhere after a lease).
import { sql } from "../store/kysely.js";
import type { Store } from "../store/index.js";
import { leaseIsHeld, makeOwner } from "../runner/lock.js";
import type { Job, Queue, QueueSize, SendOptions } from "./types.js";

/** How long a job taken by a worker of another machine stays its own (this machine's are checked by pid). */
const LEASE_MS = 60 * 60_000;
const MAX_OUTPUT = 10_000;

export class EmbeddedQueue implements Queue {
  readonly owner = makeOwner();

  constructor(private readonly store: Store) {}

  async send<T extends object>(name: string, data: T, options: SendOptions = {}): Promise<string | null> {
    const db = options.db ?? this.store.db;
    const now = Date.now();
    const row = await db
      .insertInto("queue_jobs")
      .values({
        name,
        data: JSON.stringify(data),
        state: "created",
        singleton_key: options.singletonKey ?? null,
        start_after: options.startAfter ?? now,
        retry_limit: options.retryLimit ?? 0,
        retry_count: 0,
        retry_delay: options.retryDelay ?? 0,
        retry_backoff: options.retryBackoff ? 1 : 0,
        created_at: now,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returning("id")
      .executeTakeFirst();
    return row ? String(row.id) : null;
  }

  async fetch<T>(name: string, options: { batchSize?: number } = {}): Promise<Job<T>[]> {
    const now = Date.now();
    const due = sql`select id from queue_jobs where name = ${name} and state = 'created' and start_after <= ${now}`;
    const rows = await sql<{ id: number; name: string; data: string; retry_count: number }>`
      update queue_jobs set state = 'active', owner = ${this.owner}, started_at = ${now}
      where state = 'created' and id in (
        ${due} order by start_after, id limit ${options.batchSize ?? 1})
      returning id, name, data, retry_count`.execute(this.store.db);
    return rows.rows.map((row) => ({ id: String(row.id), name: row.name, data: JSON.parse(row.data) as T, retryCount: row.retry_count }));
  }

  async complete(_name: string, id: string, output?: unknown): Promise<void> {
    await this.store.db
      .updateTable("queue_jobs")
      .set({
        state: "completed",
        completed_at: Date.now(),
        output: output === undefined ? null : JSON.stringify(output).slice(0, MAX_OUTPUT),
      })
      .where("id", "=", Number(id))
      .execute();
  }

  async fail(_name: string, id: string, error: unknown): Promise<void> {
    const job = await this.store.db.selectFrom("queue_jobs").selectAll().where("id", "=", Number(id)).executeTakeFirst();
    if (!job) return;
    const now = Date.now();
    const output = JSON.stringify({ message: String((error as Error)?.message ?? error) }).slice(0, MAX_OUTPUT);
    if (job.retry_count < job.retry_limit) {
      const delay = job.retry_delay * (job.retry_backoff ? 2 ** job.retry_count : 1) * 1000;
      await this.store.db
        .updateTable("queue_jobs")
        .set({ state: "created", retry_count: job.retry_count + 1, start_after: now + delay, owner: null, output })
        .where("id", "=", job.id)
        .execute();
    } else {
      await this.store.db.updateTable("queue_jobs").set({ state: "failed", completed_at: now, output }).where("id", "=", job.id).execute();
    }
  }

  async size(name: string): Promise<QueueSize> {
    const now = Date.now();
    const rows = await this.store.db
      .selectFrom("queue_jobs")
      .select((eb) => [
        eb.fn.sum<number>(sql`case when state = 'created' and start_after <= ${now} then 1 else 0 end`).as("ready"),
        eb.fn.sum<number>(sql`case when state = 'created' and start_after > ${now} then 1 else 0 end`).as("delayed"),
        eb.fn.sum<number>(sql`case when state = 'active' then 1 else 0 end`).as("active"),
        eb.fn.min<number>(sql`case when state = 'created' and start_after > ${now} then start_after end`).as("next_at"),
      ])
      .where("name", "=", name)
      .where("state", "in", ["created", "active"])
      .executeTakeFirst();
    return {
      ready: Number(rows?.ready ?? 0),
      delayed: Number(rows?.delayed ?? 0),
      active: Number(rows?.active ?? 0),
      nextAt: rows?.next_at == null ? null : Number(rows.next_at),
    };
  }

  async recover(name: string): Promise<number> {
    const now = Date.now();
    const active = await this.store.db
      .selectFrom("queue_jobs")
      .select(["id", "owner", "started_at"])
      .where("name", "=", name)
      .where("state", "=", "active")
      .execute();
    const dead = active.filter(
      (job) => job.owner !== this.owner && !leaseIsHeld({ owner: job.owner ?? "", expires_at: (job.started_at ?? 0) + LEASE_MS }, now),
    );
    for (const job of dead) {
      await this.store.db
        .updateTable("queue_jobs")
        .set({ state: "created", owner: null, start_after: now })
        .where("id", "=", job.id)
        .where("state", "=", "active")
        .execute();
    }
    return dead.length;
  }
}
