// 0016: the outbox of mail the platform sends (replies to reporters), one row per message and recipient,
// and the reply templates admins edit (per verdict and language).
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("outbox"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("action_run_id", "integer")
    // The action's idempotency key, or the stable key the action gave (one reply per report): with the
    // recipient, what makes a retried step, a rerun or a crash insert nothing new.
    .addColumn("dedupe_key", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addColumn("body_html", "text")
    .addColumn("in_reply_to", "text")
    .addColumn("reference_ids", "text")
    .addColumn("language", "text")
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", millis, (c) => c.notNull())
    .addColumn("claimed_at", millis)
    // Set just before the message's DATA is handed to the server: past it, a crash may have delivered it.
    .addColumn("data_at", millis)
    .addColumn("last_error", "text")
    .addColumn("smtp_response", "text")
    .addColumn("attempt_log", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("sent_at", millis)
    .addUniqueConstraint("outbox_once", ["dedupe_key", "recipient"])
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("outbox_case").on("outbox").columns(["case_id", "id"]).execute();

  await db.schema
    .createTable("reply_templates")
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addColumn("body_html", "text")
    .addColumn("updated_by", "text", (c) => c.notNull())
    .addColumn("updated_at", millis, (c) => c.notNull())
    .addPrimaryKeyConstraint("reply_templates_key", ["verdict", "language"])
    .execute();
}
