// 0006: campaign grouping — the keys each case is found by, links between cases, analysts' actions,
// and each connector's grouping settings.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await db.schema
    .createTable("case_keys")
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("alert_pk", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("environment", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_keys_lookup").on("case_keys").columns(["kind", "value", "created_at"]).execute();
  await db.schema.createIndex("case_keys_case").on("case_keys").columns(["case_id", "kind"]).execute();
  await db.schema.createIndex("case_keys_alert").on("case_keys").column("alert_pk").execute();

  await db.schema
    .createTable("case_links")
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("linked_case_id", "integer", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_links_case").on("case_links").column("case_id").execute();

  await id(db.schema.createTable("case_actions"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("case_actions_case").on("case_actions").column("case_id").execute();

  await db.schema
    .alterTable("connectors")
    .addColumn("grouping_mode", "text", (c) => c.notNull().defaultTo("campaign"))
    .execute();
  await db.schema
    .alterTable("connectors")
    .addColumn("grouping_window_hours", "integer", (c) => c.notNull().defaultTo(24))
    .execute();
  await db.schema
    .alterTable("connectors")
    .addColumn("grouping_max_alerts", "integer", (c) => c.notNull().defaultTo(500))
    .execute();
  await db.schema
    .alterTable("cases")
    .addColumn("alert_count", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable("cases")
    .addColumn("first_seen", millis, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("cases")
    .addColumn("last_seen", millis, (c) => c.notNull().defaultTo(0))
    .execute();
}
