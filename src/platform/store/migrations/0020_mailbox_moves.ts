// 0020: each copy of a reported mail the email integration moved into a mailbox's quarantine folder
// (Purge Email) and back (Restore Email): the intent written before the IMAP MOVE, confirmed after.
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("mailbox_moves"))
    .addColumn("case_id", "integer", (c) => c.notNull())
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("mailbox", "text", (c) => c.notNull())
    // Where the copy was: folder, its UIDVALIDITY and the copy's UID there.
    .addColumn("folder", "text", (c) => c.notNull())
    .addColumn("uid_validity", "text", (c) => c.notNull())
    .addColumn("uid", "integer", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("quarantine_folder", "text", (c) => c.notNull())
    // Where it went (COPYUID of the MOVE, or found by its Message-ID when a rerun reconciles).
    .addColumn("quarantine_uid_validity", "text")
    .addColumn("quarantine_uid", "integer")
    // moving → quarantined | abandoned | gone; quarantined → restoring → restored | missing
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("run_key", "text", (c) => c.notNull())
    .addColumn("action_run_id", "integer")
    .addColumn("restore_run_key", "text")
    .addColumn("restore_action_run_id", "integer")
    .addColumn("restored_uid", "integer")
    .addColumn("detail", "text")
    .addColumn("created_at", millis, (c) => c.notNull())
    .addColumn("moved_at", millis)
    .addColumn("restored_at", millis)
    .execute();
  await db.schema.createIndex("mailbox_moves_case").on("mailbox_moves").columns(["case_id", "mailbox", "status"]).execute();
  await db.schema.createIndex("mailbox_moves_run").on("mailbox_moves").columns(["run_key"]).execute();
  await db.schema.createIndex("mailbox_moves_restore_run").on("mailbox_moves").columns(["restore_run_key"]).execute();
}
