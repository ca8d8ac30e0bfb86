// 0019: a feed's refresh lease (one refresh per feed at a time, across processes): who holds it and until when.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis }: MigrationContext): Promise<void> {
  // `host:pid:random:start` of the process refreshing the feed; null when none is.
  await db.schema.alterTable("feeds").addColumn("refresh_owner", "text").execute();
  await db.schema.alterTable("feeds").addColumn("refresh_expires_at", millis).execute();
}
