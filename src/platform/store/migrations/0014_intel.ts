// 0014: threat-intel feeds and their indicators, and the staging rows a refresh fills before it commits.
import type { CreateTableBuilder, Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("feeds"))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("format", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("interval_seconds", "integer", (c) => c.notNull())
    .addColumn("indicators", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("refreshed_at", millis)
    .addColumn("error", "text")
    .addColumn("error_at", millis)
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();

  // value: the match key (indicators/keys.ts); value_hash indexes it (value-hash.ts), as for entities.
  const indicatorColumns = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    table
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("value_hash", millis, (c) => c.notNull())
      .addColumn("shown", "text", (c) => c.notNull())
      .addColumn("threat", "text")
      .addColumn("tags", "text");
  await indicatorColumns(id(db.schema.createTable("indicators")).addColumn("feed_id", "integer", (c) => c.notNull()))
    .addColumn("first_seen", millis, (c) => c.notNull())
    .addColumn("last_seen", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("indicators_lookup").on("indicators").columns(["value_hash", "kind"]).execute();
  await db.schema.createIndex("indicators_feed").on("indicators").columns(["feed_id", "value_hash"]).execute();

  // One refresh's indicators as its job hands them over, chunk by chunk: moved into indicators in one
  // transaction when the job ends well, dropped otherwise. Unique: a feed listing a value twice keeps one.
  await indicatorColumns(db.schema.createTable("indicator_staging").addColumn("refresh", "text", (c) => c.notNull()))
    .addColumn("created_at", millis, (c) => c.notNull())
    .addUniqueConstraint("indicator_staging_once", ["refresh", "kind", "value_hash", "value"])
    .execute();
}
