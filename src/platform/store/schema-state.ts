// Where the database's schema stands against this build: migrations it has run that this build does not
// know (a newer Intake migrated it) and ones this build knows that it has not run yet.
import { sql, type Kysely } from "./kysely.js";
import type { Dialect } from "./dialect.js";
import { MIGRATION_NAMES } from "./migrations/index.js";

/** kysely's Migrator's table: one row per migration run. */
export const MIGRATION_TABLE = "kysely_migration";

export interface SchemaState {
  /** Run on the database, unknown to this build (sorted). */
  unknown: string[];
  /** Known to this build, not run on the database (sorted). */
  pending: string[];
}

/** The names kysely_migration holds; none when the table does not exist yet (a fresh database). */
async function executedMigrations(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  // The table is looked up first: a failed select would abort a transaction the caller may hold.
  const exists =
    dialect === "postgres"
      ? (await sql<{ found: string | null }>`select to_regclass(${MIGRATION_TABLE})::text as found`.execute(db)).rows[0]?.found
      : (
          await sql<{ found: string }>`select name as found from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`.execute(
            db,
          )
        ).rows[0]?.found;
  if (!exists) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows.rows.map((row) => row.name);
}

export async function schemaState(db: Kysely<unknown>, dialect: Dialect, known: readonly string[] = MIGRATION_NAMES): Promise<SchemaState> {
  const executed = new Set(await executedMigrations(db, dialect));
  const knownSet = new Set(known);
  return {
    unknown: [...executed].filter((name) => !knownSet.has(name)).sort(),
    pending: known.filter((name) => !executed.has(name)).sort(),
  };
}
