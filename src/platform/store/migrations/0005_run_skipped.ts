// 0005: runs count the source items a connector deliberately skipped (excluded, refused sender).
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("runs")
    .addColumn("skipped", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
