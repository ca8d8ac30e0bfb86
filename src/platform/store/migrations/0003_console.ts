// 0003: the console's users and sessions, case comments and history, and indexes for the case queue.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("users"))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();

  // The cookie holds a random token; the table holds only its SHA-256, so a database read gives no session.
  await db.schema
    .createTable("sessions")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("user_id", "integer", (c) => c.notNull())
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("expires_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();

  await id(db.schema.createTable("case_comments"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("user_name", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_comments_case").on("case_comments").columns(["case_id", "id"]).execute();

  await id(db.schema.createTable("case_history"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("user_name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("from_value", "text", (c) => c.notNull())
    .addColumn("to_value", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_history_case").on("case_history").columns(["case_id", "id"]).execute();

  await db.schema.alterTable("cases").addColumn("closed_reason", "text").execute();
  // The queue filters by priority and pages by id; status has its own index from 0001.
  await db.schema.createIndex("cases_priority").on("cases").columns(["priority", "id"]).execute();
  await db.schema.createIndex("cases_created").on("cases").column("created_at").execute();
  // A queue page reads each case's sender and indicator counts by case, type and source.
  await db.schema.createIndex("entities_case_type").on("entities").columns(["case_id", "type", "source"]).execute();
}
