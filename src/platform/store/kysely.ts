// kysely's values through its CommonJS build. Its ES build is 263 modules, and loading them cost every
// command of the CLI (a connector run's start among them) about 45 ms more than the CommonJS build
// does (measured); the types are the same package's.
import { createRequire } from "node:module";

const kysely = createRequire(import.meta.url)("kysely") as typeof import("kysely");

export const { Migrator, PostgresDialect, SqliteDialect, sql } = kysely;
export const Kysely = kysely.Kysely;
export type Kysely<DB> = import("kysely").Kysely<DB>;
