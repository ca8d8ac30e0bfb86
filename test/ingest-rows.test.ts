// Ingest's two writers (prepared SQLite statements, the query builder) store identical rows for the same packages.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sql } from "kysely";
import { setCaseStatus } from "../src/platform/cases/index.js";
import { ingestPackage, type IngestTarget } from "../src/platform/ingest/index.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { startPostgres, type Postgres } from "./support/postgres.js";

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

function alert(
  id: string,
  fields: { subject: string; reported: string; urls?: string[]; priority?: number; environment?: string; file?: Uint8Array },
) {
  const urls = fields.urls ?? [];
  return {
    display_id: id,
    ticket_id: id === "a1" ? "" : `ticket-${id}`,
    name: fields.subject,
    rule_generator: "Reported phishing",
    start_time: T0 + id.length * 60_000,
    end_time: T0 + id.length * 60_000 + 1,
    priority: fields.priority ?? 60,
    device_vendor: "Intake",
    device_product: "Mail",
    environment: fields.environment ?? "",
    events: [
      {
        StartTime: T0,
        EndTime: T0 + 1,
        event_name: "Suspicious email",
        device_product: "Mail",
        Subject: fields.subject,
        ReportedMessageId: fields.reported,
        found_urls: urls,
        "Header Ünïcode": "naïve ✓",
      },
      { StartTime: T0 + 2, EndTime: T0 + 3, event_name: "Attachment", device_product: "Mail gateway", nested: { depth: [1, 2] } },
    ],
    extensions: { reporter: `reporter-${id}@example.test` },
    notes: [`note of ${id}`],
    entities: [
      {
        type: "EMAIL_ADDRESS",
        value: `it@phish-${id}.test`,
        source: "forwarded 1 header From",
        role: "sender" as const,
        depth: 1,
        display: "IT Support",
      },
      { type: "EMAIL_ADDRESS", value: `reporter-${id}@example.test`, source: "header From", role: "reporter" as const },
      ...urls.map((value) => ({ type: "URL", value, source: "html href" })),
      { type: "HOSTNAME", value: "phish.test" },
    ],
    attachments: fields.file ? [{ fileName: "original.eml", contentType: "message/rfc822", data: fields.file }] : [],
  };
}

const BYTES = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);

/** First package: new cases, a report joining a case (by Message-ID, and by subject and URL), a duplicate, an invalid alert. */
const FIRST = [
  alert("a1", { subject: "Invoice 42", reported: "m1@x.test", urls: ["https://phish.test/a", "https://phish.test/b"], file: BYTES }),
  alert("a22", { subject: "FW: Invoice 42", reported: "m1@x.test", priority: 80, file: BYTES.subarray(10, 50) }),
  alert("a333", { subject: "Invoice 42", reported: "m3@x.test", urls: ["https://phish.test/b"] }),
  alert("a1", { subject: "again", reported: "m9@x.test" }),
  { ...alert("bad", { subject: "x", reported: "m0@x.test" }), priority: 50 },
  alert("a4444", { subject: "Lab mail", reported: "m4@x.test", environment: "Lab" }),
];
/** Second package, after a4444's case is closed: a report of it opens a linked case; a1 is a duplicate. */
const SECOND = [
  alert("a55555", { subject: "RE: Lab mail", reported: "m4@x.test", environment: "Lab", priority: 100 }),
  alert("a1", { subject: "Invoice 42", reported: "m1@x.test" }),
];

/** Ingests both packages into a fresh store, as a connector's run would. */
async function ingestAll(store: Store) {
  await store.db
    .insertInto("connectors")
    .values({
      name: "mail",
      integration: "email",
      definition: "Email Connector",
      parameters: "{}",
      enabled: 1,
      interval_seconds: 60,
      allow_list: "[]",
      created_at: T0,
      updated_at: T0,
    })
    .execute();
  await store.db
    .insertInto("runs")
    .values({ connector_id: 1, is_test: 0, status: "running", started_at: T0, finished_at: null, error: null, logs: "[]", owner: "test" })
    .execute();
  const target: IngestTarget = { connectorId: 1, runId: 1, productFieldName: "device_product", eventFieldName: "event_name" };
  const first = await ingestPackage(store, target, FIRST, { checkpoint: "1", gone: null });
  const lab = await store.db.selectFrom("alerts").select("case_id").where("alert_id", "=", "a4444").executeTakeFirstOrThrow();
  await setCaseStatus(store, lab.case_id, "closed", "analyst", "contained");
  const second = await ingestPackage(store, target, SECOND, { checkpoint: "2" });
  return [first, second];
}

const INGEST_TABLES = ["cases", "case_links", "alerts", "events", "entities", "alert_files", "case_keys", "connector_context"];

/** Every table's rows (kysely's own bookkeeping apart), in one order whatever the database returns. */
async function tables(store: Store): Promise<Record<string, Record<string, unknown>[]>> {
  const names =
    store.dialect === "sqlite"
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(store.db))
          .rows
      : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(store.db)).rows;
  const result: Record<string, Record<string, unknown>[]> = {};
  for (const { name } of names) {
    if (name.startsWith("kysely_")) continue;
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db)).rows;
    const canonical = (row: Record<string, unknown>) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((key) => [key, row[key]]),
      );
    result[name] = rows.map((row) => ({ ...row })).sort((a, b) => canonical(a).localeCompare(canonical(b)));
  }
  return result;
}

let dir: string;
let postgres: Postgres;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-rows-"));
  process.env.INTAKE_HOME = dir;
  postgres = await startPostgres();
  // Only the clock: every path stamps its rows with the same "now".
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0 + 3_600_000);
});
afterAll(() => {
  vi.useRealTimers();
  postgres?.stop();
});

describe("ingest's rows", () => {
  it("are the same through prepared SQLite statements, the query builder on SQLite and on PostgreSQL", async () => {
    const fast = await openStore(path.join(dir, "fast.db"));
    const built = await openStore(path.join(dir, "built.db"));
    const pg = await openStore(postgres.createDatabase("rows"));
    try {
      expect(fast.sqlite).toBeDefined();
      expect(pg.sqlite).toBeUndefined();
      const fastOutcomes = await ingestAll(fast);
      // Without its SQLite connection the store ingests through the query builder.
      const builtOutcomes = await ingestAll({ ...built, sqlite: undefined });
      const pgOutcomes = await ingestAll(pg);
      expect(builtOutcomes).toEqual(fastOutcomes);
      expect(pgOutcomes).toEqual(fastOutcomes);
      expect(fastOutcomes.map((o) => [o.ingested, o.duplicates, o.failed])).toEqual([
        [4, 1, 1],
        [1, 1, 0],
      ]);

      const rows = await tables(fast);
      // Every kind of row was written: a comparison of empty tables would prove nothing.
      for (const table of INGEST_TABLES) expect(rows[table]?.length, table).toBeGreaterThan(0);
      expect(rows.case_links).toHaveLength(2);
      expect(rows.alert_files).toHaveLength(2);
      // The SDK's role and depth land in their columns, not in data.
      const roles = rows.entities!.map((e) => `${e.role}:${e.depth}`);
      expect(roles).toContain("sender:1");
      expect(roles).toContain("reporter:0");
      expect(rows.entities!.every((e) => !String(e.data).includes("role"))).toBe(true);
      expect(await tables(built)).toEqual(rows);
      const fromPostgres = await tables(pg);
      for (const table of [...INGEST_TABLES, "runs", "case_history"]) expect(fromPostgres[table], table).toEqual(rows[table]);
    } finally {
      await Promise.all([fast.close(), built.close(), pg.close()]);
    }
  });
});
