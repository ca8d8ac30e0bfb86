// kysely's values through its CommonJS build: its ES build is hundreds of modules, slower to load at
// the start of every command of the CLI (a connector run's among them); the types are the same package's.
import { createRequire } from "node:module";

const kysely = createRequire(import.meta.url)("kysely") as typeof import("kysely");

export const { Migrator, PostgresDialect, SqliteDialect, sql } = kysely;
export const Kysely = kysely.Kysely;
export type Kysely<DB> = import("kysely").Kysely<DB>;
