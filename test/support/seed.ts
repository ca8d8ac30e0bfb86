// Rows a test seeds straight into a store: a case, an alert of it and its first event, the connector it came from,
// with defaults for the columns the test does not look at (each test passes what it checks).
import type { Insertable, Kysely } from "kysely";
import { valueHash } from "../../src/platform/store/index.js";
import type { AlertTable, Database, EventTable } from "../../src/platform/store/schema.js";

type AlertValues = Partial<Insertable<AlertTable>> & { case_id: number; alert_id: string };
type EventValues = Partial<Omit<Insertable<EventTable>, "alert_pk">>;

/** Inserts an alert (and, when given, its event at position 0); returns the alert's row id. */
export async function insertAlert(db: Kysely<Database>, alert: AlertValues, event?: EventValues): Promise<number> {
  const at = alert.created_at ?? Date.now();
  const row = await db
    .insertInto("alerts")
    .values({
      connector_id: 1,
      run_id: 1,
      ticket_id: "t",
      name: "n",
      priority: 60,
      product: "Mail",
      vendor: "Mail",
      rule_generator: "Mail",
      environment: "",
      start_time: at,
      end_time: at,
      data: "{}",
      created_at: at,
      ...alert,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (event) {
    await db
      .insertInto("events")
      .values({
        position: 0,
        event_type: "Suspicious email",
        product: "Mail",
        start_time: at,
        end_time: at,
        data: "{}",
        ...event,
        alert_pk: row.id,
      })
      .execute();
  }
  return row.id;
}

/** The id of a stand-in email connector named "reports" (what the tests' playbook triggers name), inserted on first use. */
export async function reportsConnectorId(db: Kysely<Database>): Promise<number> {
  const now = Date.now();
  const connector =
    (await db.selectFrom("connectors").select("id").where("name", "=", "reports").executeTakeFirst()) ??
    (await db
      .insertInto("connectors")
      .values({
        name: "reports",
        integration: "email",
        definition: "x",
        parameters: "{}",
        enabled: 1,
        interval_seconds: 60,
        allow_list: "[]",
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow());
  return connector.id;
}

/** Inserts an open case in the Default environment (created `at`); returns its id. */
export async function insertCase(db: Kysely<Database>, title: string, priority = 60, at = Date.now()): Promise<number> {
  const created = await db
    .insertInto("cases")
    .values({ title, priority, status: "open", environment: "Default", created_at: at, updated_at: at })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(created.id);
}

/** An earlier case (created at 1, one alert) holding these entities: what a later case's shared indicator finds. */
export async function insertCaseWithEntities(
  db: Kysely<Database>,
  title: string,
  entities: [type: string, value: string][],
): Promise<number> {
  const id = await insertCase(db, title, 60, 1);
  for (const [type, value] of entities) {
    await db
      .insertInto("entities")
      .values({ alert_pk: 0, case_id: id, type, value, value_hash: valueHash(value), source: "text", role: null, depth: 1, data: "{}" })
      .execute();
  }
  await db.updateTable("cases").set({ alert_count: 1 }).where("id", "=", id).execute();
  return id;
}
