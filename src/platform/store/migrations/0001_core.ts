// 0001: connectors, runs, cases, alerts, events, entities and files.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, blob, id }: MigrationContext): Promise<void> {
  await db.schema
    .createTable("integrations")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("dir", "text", (c) => c.notNull())
    .addColumn("builtin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();

  await id(db.schema.createTable("connectors"))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("parameters", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("interval_seconds", "integer", (c) => c.notNull())
    .addColumn("allow_list", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("connector_context")
    .addColumn("connector_id", "integer", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("connector_context_pk", ["connector_id", "key"])
    .execute();

  await db.schema
    .createTable("connector_locks")
    .addColumn("connector_id", "integer", (c) => c.primaryKey())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("expires_at", millis, (c) => c.notNull())
    .execute();

  await id(db.schema.createTable("runs"))
    .addColumn("connector_id", "integer", (c) => c.notNull())
    .addColumn("is_test", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("started_at", millis, (c) => c.notNull())
    .addColumn("finished_at", millis)
    .addColumn("fetched", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("alerts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ingested", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("duplicates", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("logs", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("owner", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("runs_connector").on("runs").columns(["connector_id", "id"]).execute();

  await id(db.schema.createTable("cases"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("cases_status").on("cases").columns(["status", "id"]).execute();

  await id(db.schema.createTable("alerts"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("connector_id", "integer", (c) => c.notNull())
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("alert_id", "text", (c) => c.notNull().unique())
    .addColumn("ticket_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("product", "text", (c) => c.notNull())
    .addColumn("vendor", "text", (c) => c.notNull())
    .addColumn("rule_generator", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("start_time", millis, (c) => c.notNull())
    .addColumn("end_time", millis, (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alerts_case").on("alerts").column("case_id").execute();

  await id(db.schema.createTable("events"))
    .addColumn("alert_pk", "integer", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    .addColumn("product", "text", (c) => c.notNull())
    .addColumn("start_time", millis, (c) => c.notNull())
    .addColumn("end_time", millis, (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_alert").on("events").column("alert_pk").execute();

  await id(db.schema.createTable("entities"))
    .addColumn("alert_pk", "integer", (c) => c.notNull())
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("entities_case").on("entities").column("case_id").execute();
  await db.schema.createIndex("entities_value").on("entities").columns(["type", "value"]).execute();

  await id(db.schema.createTable("alert_files"))
    .addColumn("alert_pk", "integer", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("data", blob, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alert_files_alert").on("alert_files").column("alert_pk").execute();
}
