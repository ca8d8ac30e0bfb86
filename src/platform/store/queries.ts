// The store's own reads, for a health check: whether the database answers, and where its schema stands.
import { sql, type Kysely } from "./kysely.js";
import { schemaState, type SchemaState } from "./schema-state.js";
import type { Store } from "./index.js";

/** Resolves once the database answered the smallest query; rejects with the driver's error when it cannot. */
export async function pingDatabase(store: Store): Promise<void> {
  await sql`select 1`.execute(store.db);
}

/** The migrations the database ran compared with this build's. */
export function storeSchemaState(store: Store): Promise<SchemaState> {
  return schemaState(store.db as Kysely<unknown>, store.dialect);
}
