// 0012: actions and jobs (issue 19): each action run on a case, the integrations' own parameters,
// jobs scheduled with their parameters and context, and each job run.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("action_runs"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("result_value", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("result_json", "text")
    .addColumn("entity_updates", "text", (c) => c.notNull())
    .addColumn("insights", "text", (c) => c.notNull())
    .addColumn("logs", "text", (c) => c.notNull())
    .addColumn("error", "text")
    // A completed run with a key is returned as is when the key comes again (a retried playbook step).
    .addColumn("idempotency_key", "text", (c) => c.unique())
    .addColumn("playbook_run_id", "integer")
    .addColumn("step_id", "text")
    .addColumn("started_at", millis, (c) => c.notNull())
    .addColumn("finished_at", millis, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("action_runs_case").on("action_runs").columns(["case_id", "id"]).execute();

  await db.schema
    .createTable("integration_settings")
    .addColumn("integration", "text", (c) => c.primaryKey())
    .addColumn("parameters", "text", (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();

  await id(db.schema.createTable("job_settings"))
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("job", "text", (c) => c.notNull())
    .addColumn("parameters", "text", (c) => c.notNull())
    .addColumn("interval_seconds", "integer", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("context", "text", (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .addUniqueConstraint("job_settings_unique", ["integration", "job"])
    .execute();

  await id(db.schema.createTable("job_runs"))
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("job", "text", (c) => c.notNull())
    .addColumn("is_test", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("logs", "text", (c) => c.notNull())
    .addColumn("started_at", millis, (c) => c.notNull())
    .addColumn("finished_at", millis)
    .execute();
  await db.schema.createIndex("job_runs_job").on("job_runs").columns(["integration", "job", "id"]).execute();
}
