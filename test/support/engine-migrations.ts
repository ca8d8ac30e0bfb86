// Databases as an older version of Intake left them: only the migrations it had, so that a test can store rows as
// that version did and check what the later migrations make of them.
import { Migrator, type Kysely } from "kysely";
import { expect } from "vitest";
import type { Dialect } from "../../src/platform/store/dialect.js";
import { MIGRATION_NAMES, migrationProvider } from "../../src/platform/store/migrations/index.js";

/** The names of the migrations that came before `name` (e.g. "0011_entity_roles"), in order. */
export function migrationsBefore(name: string): string[] {
  return MIGRATION_NAMES.filter((migration) => migration < name);
}

/** Migrates `db` as the version before the migration `name` left it: every migration up to, not including, `name`. */
export async function migrateUntil(db: Kysely<unknown>, dialect: Dialect, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect, migrationsBefore(name)), allowUnorderedMigrations: true });
  expect((await migrator.migrateToLatest()).error).toBeUndefined();
}
