// 0013: playbooks, their runs and steps, the cases already matched against them, and the embedded queue's jobs.
import type { Kysely } from "kysely";
import { sql } from "../kysely.js";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await db.schema
    .createTable("playbooks")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("parameters", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("source_integration", "text")
    .addColumn("updated_at", millis, (c) => c.notNull())
    .execute();

  await id(db.schema.createTable("playbook_runs"))
    .addColumn("playbook", "text", (c) => c.notNull())
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("started_at", millis, (c) => c.notNull())
    .addColumn("finished_at", millis)
    .addUniqueConstraint("playbook_runs_once", ["playbook", "case_id"])
    .execute();
  await db.schema.createIndex("playbook_runs_case").on("playbook_runs").column("case_id").execute();
  await db.schema.createIndex("playbook_runs_status").on("playbook_runs").column("status").execute();

  await db.schema
    .createTable("playbook_steps")
    .addColumn("run_id", "integer", (c) => c.notNull())
    .addColumn("step_id", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("inputs", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("result_value", "text")
    .addColumn("result_json", "text")
    .addColumn("message", "text")
    .addColumn("logs", "text")
    .addColumn("error", "text")
    .addColumn("action_run_id", "integer")
    .addColumn("approval_by", "text")
    .addColumn("approval_at", millis)
    .addColumn("approval_decision", "text")
    .addColumn("approval_comment", "text")
    .addColumn("due_at", millis)
    .addColumn("started_at", millis)
    .addColumn("finished_at", millis)
    .addPrimaryKeyConstraint("playbook_steps_key", ["run_id", "step_id"])
    .execute();
  await db.schema.createIndex("playbook_steps_waiting").on("playbook_steps").columns(["status", "due_at"]).execute();

  // A case is matched against the playbooks once; a case without a row here is matched by the next sweep.
  await db.schema
    .createTable("playbook_triggers")
    .addColumn("case_id", "integer", (c) => c.primaryKey())
    .addColumn("created_at", millis, (c) => c.notNull())
    .execute();
  // Cases from before playbooks existed start none.
  await sql`insert into playbook_triggers (case_id, created_at) select id, created_at from cases`.execute(db);

  await id(db.schema.createTable("queue_jobs"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("singleton_key", "text")
    .addColumn("start_after", millis, (c) => c.notNull())
    .addColumn("retry_limit", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("retry_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("retry_delay", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("retry_backoff", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("owner", "text")
    .addColumn("output", "text")
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("started_at", millis)
    .addColumn("completed_at", millis)
    .execute();
  await db.schema.createIndex("queue_jobs_ready").on("queue_jobs").columns(["name", "state", "start_after"]).execute();
  // As pg-boss: one job of a key waiting or under way at a time.
  await db.schema
    .createIndex("queue_jobs_singleton")
    .on("queue_jobs")
    .column("singleton_key")
    .unique()
    .where(sql.ref("state"), "in", ["created", "active"])
    .execute();
}
