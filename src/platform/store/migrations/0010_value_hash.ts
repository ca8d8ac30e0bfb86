// 0010: entities and grouping keys are found by a hash of their value (value-hash.ts), indexed in place
// of the value itself. Rows already there get theirs here. The indicator search of the case queue,
// which scanned every entity (no index led by the value), now uses the new index.
import type { Kysely } from "kysely";
import { sql } from "../kysely.js";
import { valueHash } from "../value-hash.js";
import type { MigrationContext } from "../dialect.js";

export async function up(db: Kysely<unknown>, { dialect, millis }: MigrationContext): Promise<void> {
  const bigint = millis; // integer on SQLite, bigint on PostgreSQL: a 53-bit value fits both
  await db.schema.alterTable("entities").addColumn("value_hash", bigint).execute();
  await db.schema.alterTable("case_keys").addColumn("value_hash", bigint).execute();
  // Row addresses: SQLite's rowid; PostgreSQL's ctid (case_keys has no key of its own).
  const address = dialect === "postgres" ? sql`ctid::text` : sql`rowid`;
  const where = dialect === "postgres" ? (rid: string | number) => sql`ctid = ${rid}::tid` : (rid: string | number) => sql`rowid = ${rid}`;
  for (const table of ["entities", "case_keys"]) {
    const rows = (await sql<{ rid: string | number; value: string }>`select ${address} as rid, value from ${sql.table(table)}`.execute(db))
      .rows;
    for (const row of rows)
      await sql`update ${sql.table(table)} set value_hash = ${valueHash(row.value)} where ${where(row.rid)}`.execute(db);
  }
  await db.schema.dropIndex("entities_value").ifExists().execute();
  await db.schema.createIndex("entities_value_hash").on("entities").column("value_hash").execute();
  await db.schema.dropIndex("case_keys_lookup").ifExists().execute();
  await db.schema.createIndex("case_keys_value_hash").on("case_keys").columns(["kind", "value_hash", "created_at"]).execute();
}
