// 0017: queue mode's workers (one row per `intake worker` process, kept alive by its heartbeat) and, on
// each run, the worker that ran it (null: an embedded `intake serve` or a CLI run).
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis }: MigrationContext): Promise<void> {
  await db.schema
    .createTable("workers")
    // Random per process start (a restarted worker is a new row): what runs.worker_id names.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("concurrency", "integer", (c) => c.notNull())
    .addColumn("started_at", millis, (c) => c.notNull())
    .addColumn("heartbeat_at", millis, (c) => c.notNull())
    // Set by a worker that drained and left; a worker that died keeps null and an old heartbeat.
    .addColumn("stopped_at", millis)
    .addColumn("runs_active", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("runs").addColumn("worker_id", "text").execute();
}
