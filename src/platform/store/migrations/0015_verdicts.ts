// 0015: a case's verdict (value, score, reasons, who set it and when, whether an analyst overrode it), every
// verdict ever set in case_verdicts, and the case changes an action staged, kept with its run.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await db.schema.alterTable("cases").addColumn("verdict", "text").execute();
  await db.schema.alterTable("cases").addColumn("verdict_score", "integer").execute();
  await db.schema.alterTable("cases").addColumn("verdict_reasons", "text").execute();
  await db.schema.alterTable("cases").addColumn("verdict_set_by", "text").execute();
  await db.schema.alterTable("cases").addColumn("verdict_set_at", millis).execute();
  await db.schema
    .alterTable("cases")
    .addColumn("verdict_overridden", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("cases_verdict").on("cases").column("verdict").execute();

  await id(db.schema.createTable("case_verdicts"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("score", "integer")
    .addColumn("reasons", "text", (c) => c.notNull())
    .addColumn("set_by", "text", (c) => c.notNull())
    .addColumn("override", "integer", (c) => c.notNull())
    // Why an analyst overrode, or why a triage verdict was not applied.
    .addColumn("comment", "text")
    .addColumn("applied", "integer", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_verdicts_case").on("case_verdicts").column("case_id").execute();

  await db.schema.alterTable("action_runs").addColumn("case_updates", "text").execute();
}
