// The two databases the store speaks, and what differs between them for migrations (a module of its own:
// the store and its migrations both read it, neither from the other).
import type { CreateTableBuilder } from "kysely";

export type Dialect = "sqlite" | "postgres";

/** What differs between the dialects, for migrations to stay one text. */
export interface MigrationContext {
  dialect: Dialect;
  /** Column type of Unix ms: SQLite's INTEGER is 64-bit, PostgreSQL needs bigint. */
  millis: "integer" | "bigint";
  blob: "blob" | "bytea";
  /** Adds an auto-increment primary key "id". */
  id<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, "id">;
}
