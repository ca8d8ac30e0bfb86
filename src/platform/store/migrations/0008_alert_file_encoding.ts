// 0008: stored files say how their bytes are kept. Earlier rows are gzip; the ingest now stores mail
// as it came (compressing it cost the platform's process a fifth of its time for a third of the size).
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("alert_files")
    .addColumn("encoding", "text", (c) => c.notNull().defaultTo("gzip"))
    .execute();
}
