// Schema migrations, one file each, written once for SQLite and PostgreSQL through kysely's schema builder.
// A new migration is a new file here and one line in MIGRATIONS; never edit one that has shipped.
import type { Kysely, Migration, MigrationProvider } from "kysely";
import type { Dialect, MigrationContext } from "../dialect.js";
import * as core from "./0001_core.js";
import * as console_ from "./0003_console.js";
import * as runSkipped from "./0005_run_skipped.js";
import * as grouping from "./0006_grouping.js";
import * as packages from "./0004_packages.js";
import * as oneCaseHistory from "./0007_one_case_history.js";
import * as fileEncoding from "./0008_alert_file_encoding.js";
import * as entitiesCaseIndex from "./0009_drop_entities_case_index.js";
import * as valueHash from "./0010_value_hash.js";
import * as entityRoles from "./0011_entity_roles.js";
import * as actionsJobs from "./0012_actions_jobs.js";
import * as playbooks from "./0013_playbooks.js";
import * as intel from "./0014_intel.js";
import * as verdicts from "./0015_verdicts.js";
import * as outbox from "./0016_outbox.js";
import * as workers from "./0017_workers.js";
import * as verdictEvidence from "./0018_verdict_evidence.js";
import * as feedRefreshLease from "./0019_feed_refresh_lease.js";
import * as mailboxMoves from "./0020_mailbox_moves.js";

type Step = { up(db: Kysely<unknown>, context: MigrationContext): Promise<void> };

const MIGRATIONS: Record<string, Step> = {
  "0001_core": core,
  "0003_console": console_,
  "0005_run_skipped": runSkipped,
  "0006_grouping": grouping,
  "0004_packages": packages,
  "0007_one_case_history": oneCaseHistory,
  "0008_alert_file_encoding": fileEncoding,
  "0009_drop_entities_case_index": entitiesCaseIndex,
  "0010_value_hash": valueHash,
  "0011_entity_roles": entityRoles,
  "0012_actions_jobs": actionsJobs,
  "0013_playbooks": playbooks,
  "0014_intel": intel,
  "0015_verdicts": verdicts,
  "0016_outbox": outbox,
  "0017_workers": workers,
  "0018_verdict_evidence": verdictEvidence,
  "0019_feed_refresh_lease": feedRefreshLease,
  "0020_mailbox_moves": mailboxMoves,
};

/** Every migration this build knows, by name: what the schema check compares kysely_migration with. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort();

/** All migrations, or only those named (to build a database as an older version left it, in tests). */
export function migrationProvider(dialect: Dialect, only?: string[]): MigrationProvider {
  const context: MigrationContext = {
    dialect,
    millis: dialect === "postgres" ? "bigint" : "integer",
    blob: dialect === "postgres" ? "bytea" : "blob",
    id: (table) =>
      dialect === "postgres"
        ? table.addColumn("id", "bigserial", (c) => c.primaryKey())
        : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement()),
  };
  const migrations: Record<string, Migration> = Object.fromEntries(
    Object.entries(MIGRATIONS)
      .filter(([name]) => !only || only.includes(name))
      .map(([name, step]) => [name, { up: (db: Kysely<unknown>) => step.up(db, context) }]),
  );
  return { getMigrations: async () => migrations };
}
