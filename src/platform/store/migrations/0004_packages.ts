// 0004: the version history of imported integration packages (their files at each import).
import type { Kysely } from "kysely";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { millis, id }: MigrationContext): Promise<void> {
  await id(db.schema.createTable("integration_versions"))
    .addColumn("integration", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("digest", "text", (c) => c.notNull())
    .addColumn("files", "text", (c) => c.notNull())
    .addColumn("created_at", millis, (c) => c.notNull())
    .addUniqueConstraint("integration_versions_unique", ["integration", "version"])
    .execute();
}
