// Opens the database (SQLite by default, PostgreSQL for a postgres:// URL) and brings its schema up to date.
import path from "node:path";
import fs from "node:fs";
import zlib from "node:zlib";
import type { SqliteDatabase } from "kysely";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "./kysely.js";
import SQLite from "better-sqlite3";
import { DatabaseMigrate, DatabaseOpen, SchemaNewer } from "../errors.js";
import { startCheckpointer, WRITER_CHECKPOINT_PAGES } from "./checkpointer.js";
import { migrationProvider } from "./migrations/index.js";
import { schemaState } from "./schema-state.js";
import type { Database } from "./schema.js";
import type { Dialect } from "./dialect.js";

export type { Database } from "./schema.js";
export { valueHash } from "./value-hash.js";
export type * from "./schema.js";
export type { Dialect } from "./dialect.js";
export { schemaState, type SchemaState } from "./schema-state.js";
export { pingDatabase, storeSchemaState } from "./queries.js";

/** A stored file's bytes as they came, whichever way they are kept. */
export function fileBytes(file: { data: Uint8Array; encoding: string }): Buffer {
  return file.encoding === "gzip" ? zlib.gunzipSync(file.data) : Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
}

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where secrets' key file and imported integrations live beside an SQLite file. */
  dataDir: string;
  url: string;
  /**
   * The SQLite connection itself (SQLite only), for the ingest's prepared statements. Use it inside
   * `db.connection()`, which holds kysely's single connection, so that no kysely transaction is open.
   */
  sqlite?: SQLite.Database;
  /** Tells the store that a large write committed (SQLite: its log is checkpointed on another thread). */
  committed(): void;
  close(): Promise<void>;
}

export const DEFAULT_DB = "./intake.db";

/** The database URL: --db, then INTAKE_DB, then ./intake.db. */
export function resolveDatabaseUrl(flag?: string): string {
  return flag || process.env.INTAKE_DB || DEFAULT_DB;
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * better-sqlite3 with its prepared statements kept (kysely prepares every query anew): an ingest
 * runs the same few statements thousands of times. Bounded, least recently used out first.
 */
function withStatementCache(database: SQLite.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * The folder of the key file and imported integrations: one Intake makes is 0700 (with its parents);
 * one that exists is the user's and keeps its mode.
 */
function makeDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DatabaseOpen(`cannot create the data folder ${dir}: ${(error as Error).message}`);
  }
}

/**
 * A new SQLite file is made here, empty and 0600, before SQLite opens it: SQLite would make it 0644
 * less the umask, world-readable (mail, password hashes), and gives its -wal and -shm files the main
 * file's mode. An existing file keeps the mode its owner gave it.
 */
function createDatabaseFile(file: string): void {
  if (file === "" || file === ":memory:") return;
  try {
    fs.closeSync(fs.openSync(file, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST")
      throw new DatabaseOpen(`cannot create database ${file}: ${(error as Error).message}`);
  }
}

export async function openStore(url: string = resolveDatabaseUrl()): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(url)) {
    // Loaded only for PostgreSQL: a SQLite process starts without it.
    const { default: pg } = await import("pg");
    // bigint (Unix ms, ids) as numbers: every value stays below 2^53.
    pg.types.setTypeParser(20, (value) => Number(value));
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    // An idle connection the server ended (PostgreSQL restarting) is dropped by the pool and a new one
    // opened on next use; without a listener its "error" event would end the process.
    pool.on("error", () => undefined);
    // The same for a connection taken from the pool and between two queries (a transaction waiting on a
    // connector's next package): the pool listens only to idle ones. Its next query fails instead, and the
    // pool drops it on release.
    pool.on("connect", (client) => client.on("error", () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    // Beside no database file: the key file and imported integrations go to $INTAKE_HOME or ./.intake.
    // Several machines on one PostgreSQL share INTAKE_SECRET_KEY instead of a key file.
    const dataDir = path.resolve(process.env.INTAKE_HOME ?? ".intake");
    makeDataDir(dataDir);
    store = { db, dialect: "postgres", dataDir, url, committed: () => undefined, close: () => db.destroy() };
  } else {
    const file = url.replace(/^(sqlite|file):(\/\/)?/i, "");
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw new DatabaseOpen(`database folder does not exist: ${dir}`);
    createDatabaseFile(file);
    let database: SQLite.Database;
    try {
      database = new SQLite(file, { timeout: 15_000 });
    } catch (error) {
      throw new DatabaseOpen(`cannot open database ${file}: ${(error as Error).message}`);
    }
    database.pragma("journal_mode = WAL");
    // FULL: a commit survives a power cut, not just a crash; the mail is marked read only after it.
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
    const dataDir = path.resolve(process.env.INTAKE_HOME ?? dir);
    // The database's own folder is the user's (often the current one): only $INTAKE_HOME is made here.
    if (process.env.INTAKE_HOME) makeDataDir(dataDir);
    // Started at the first large commit: most commands never write much.
    let checkpointer: ReturnType<typeof startCheckpointer> | null = null;
    store = {
      db,
      dialect: "sqlite",
      dataDir,
      url: file,
      sqlite: database,
      committed: () => {
        if (checkpointer === null && file !== ":memory:") {
          checkpointer = startCheckpointer(path.resolve(file));
          if (checkpointer) database.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
        }
        checkpointer?.committed();
      },
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  }
  try {
    await migrate(store);
  } catch (error) {
    // A refused or failed start leaves no pool open: the process ends with its one line at once.
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/**
 * Brings the schema up to date, once whoever starts first: kysely's Migrator holds a lock while it runs
 * (on PostgreSQL a session advisory lock, pg_advisory_lock, around one transaction), so a second process
 * waits, then finds nothing pending. A database a newer Intake migrated is refused before anything runs.
 */
async function migrate(store: Store): Promise<void> {
  const before = await schemaState(store.db as Kysely<unknown>, store.dialect);
  if (before.unknown.length) throw new SchemaNewer(before.unknown.join(", "));
  // Unordered: migrations written on parallel branches land in any order; each runs once.
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.dialect), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    // A newer process migrated between the check above and the lock: kysely names the migration it lacks.
    const missing = /previously executed migration (\S+) is missing/.exec(String((error as Error).message ?? error));
    if (missing) throw new SchemaNewer(missing[1]!);
    const failed = results?.find((result) => result.status === "Error")?.migrationName ?? "?";
    throw new DatabaseMigrate(failed, String((error as Error).message ?? error));
  }
}
