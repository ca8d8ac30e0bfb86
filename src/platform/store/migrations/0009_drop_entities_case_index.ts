// 0009: entities_case (case_id) is a prefix of entities_case_type (case_id, type, source), which serves
// every lookup by case as well; each entity row kept one more index up to date for nothing.
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("entities_case").ifExists().execute();
}
