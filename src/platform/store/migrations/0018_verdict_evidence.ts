// 0018: a feed's source reliability (A–F), the evidence a verdict rests on (with the case and in its
// history), and the custom lists admins edit (the phishing-triage package ships their defaults).
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis }: MigrationContext): Promise<void> {
  await db.schema
    .alterTable("feeds")
    .addColumn("reliability", "text", (c) => c.notNull().defaultTo("C"))
    .execute();
  // JSON arrays of evidence items; null: a verdict set before evidence was kept.
  await db.schema.alterTable("cases").addColumn("verdict_evidence", "text").execute();
  await db.schema.alterTable("case_verdicts").addColumn("evidence", "text").execute();

  await db.schema
    .createTable("custom_lists")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("entries", "text", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();
}
