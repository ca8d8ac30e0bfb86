// Bench: the console's case queue at 100,000 cases (first page, a deep page, filters), on a real SQLite file.
// Run after `npm run build`: node bench/console-queue.mjs [cases]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { openStore, valueHash } from "../dist/src/platform/store/index.js";
import { listCases } from "../dist/src/platform/cases/index.js";

const count = Number(process.argv[2] ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-bench-"));
const file = path.join(dir, "intake.db");
(await openStore(file)).close();

// Seeding with plain statements in one transaction: the bench measures reading, not ingest.
const raw = new Database(file);
const now = Date.now();
raw.transaction(() => {
  const kase = raw.prepare("insert into cases (title, priority, status, environment, created_at, updated_at) values (?, ?, ?, '', ?, ?)");
  const alert = raw.prepare(
    "insert into alerts (case_id, connector_id, run_id, alert_id, ticket_id, name, priority, product, vendor, rule_generator, " +
      "environment, start_time, end_time, data, created_at) values (?, 1, 1, ?, ?, ?, 60, 'Mail', 'Mail', 'Mail', '', ?, ?, '{}', ?)",
  );
  const insertEntity = raw.prepare(
    "insert into entities (alert_pk, case_id, type, value, value_hash, source, data) values (?, ?, ?, ?, ?, ?, '{}')",
  );
  const entity = {
    run: (alertId, caseId, type, value, source) => insertEntity.run(alertId, caseId, type, value, valueHash(value), source),
  };
  for (let i = 0; i < count; i++) {
    const created = now - (count - i) * 10_000;
    const status = i % 10 === 0 ? "closed" : "open";
    const caseId = kase.run(`Suspicious message ${i}`, [40, 60, 80, 100][i % 4], status, created, created).lastInsertRowid;
    const alertId = alert.run(caseId, `bench-${i}`, `bench-${i}`, `Suspicious message ${i}`, created, created, created).lastInsertRowid;
    entity.run(alertId, caseId, "URL", `https://phish-${i % 500}.test/${i}`, "body");
    entity.run(alertId, caseId, "EMAIL_ADDRESS", `it-${i}@sender-${i % 300}.test`, "From");
  }
})();
raw.close();

const store = await openStore(file);
async function time(label, query) {
  const runs = 20;
  const started = process.hrtime.bigint();
  let result;
  for (let i = 0; i < runs; i++) result = await listCases(store, query);
  const ms = Number(process.hrtime.bigint() - started) / 1e6 / runs;
  console.log(`${label.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms/page  (${result.cases.length} cases)`);
}
await time("first page (50)", { limit: 50 });
await time("page at cursor 1,000 (deep)", { limit: 50, cursor: 1_000 });
await time("status=closed, first page", { status: "closed", limit: 50 });
await time("status=closed, deep page", { status: "closed", limit: 50, cursor: 5_000 });
await time("priority=100, first page", { priority: 100, limit: 50 });
await time("text 'message 9999' (scan)", { q: "message 9999", limit: 50 });
await time("indicator (an entity's value)", { q: "https://phish-7.test/7", limit: 50 });
await time("live: after newest-10", { after: count - 10, limit: 50 });
await store.close();
if (process.env.KEEP) console.log(file);
else fs.rmSync(dir, { recursive: true, force: true });
