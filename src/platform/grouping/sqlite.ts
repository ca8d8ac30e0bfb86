// Grouping's reads and writes as prepared SQLite statements, for the ingest's fast path: the same
// rules as assign.ts, without building a query per call.
import type SQLite from "better-sqlite3";
import { valueHash } from "../store/value-hash.js";
import type { CaseKeyLookup } from "./assign.js";

// A JSON array bound as one parameter: one statement whatever the number of values.
export const IN_JSON = "(SELECT value FROM json_each(?))";

export interface SqliteGrouping {
  lookup: CaseKeyLookup;
  refreshCase(caseId: number, now: number): void;
}

const prepared = new WeakMap<SQLite.Database, SqliteGrouping>();

export function sqliteGrouping(db: SQLite.Database): SqliteGrouping {
  const known = prepared.get(db);
  if (known) return known;
  // Found by the values' hashes (the index), then the values themselves compared.
  const casesWithKey = db
    .prepare(
      `SELECT DISTINCT case_id FROM case_keys WHERE kind = ? AND value_hash IN ${IN_JSON} AND value IN ${IN_JSON} ` +
        `AND environment = ? AND created_at >= ? AND created_at <= ?`,
    )
    .pluck();
  const campaign = db.prepare(
    `SELECT DISTINCT u.case_id AS case_id, u.value AS value FROM case_keys u
     JOIN case_keys s ON s.case_id = u.case_id AND s.kind = 'subject' AND s.value = ?
     WHERE u.kind = 'url' AND u.value_hash IN ${IN_JSON} AND u.value IN ${IN_JSON} ` +
      `AND u.environment = ? AND u.created_at >= ? AND u.created_at <= ?`,
  );
  const subjectCounts = db.prepare(
    `SELECT u.value AS url, COUNT(DISTINCT s.value) AS subjects FROM case_keys u
     JOIN case_keys s ON s.case_id = u.case_id AND s.kind = 'subject'
     WHERE u.kind = 'url' AND u.value_hash IN ${IN_JSON} AND u.value IN ${IN_JSON} ` +
      `AND u.created_at >= ? AND u.created_at <= ? GROUP BY u.value`,
  );
  const casesByIds = db.prepare(`SELECT id, status, alert_count FROM cases WHERE id IN ${IN_JSON} ORDER BY id DESC`);
  const hashes = (values: string[]) => JSON.stringify(values.map(valueHash));
  const caseStats = db.prepare(
    "SELECT COUNT(*) AS count, MAX(priority) AS priority, MIN(start_time) AS first, MAX(start_time) AS last FROM alerts WHERE case_id = ?",
  );
  const updateCase = db.prepare(
    "UPDATE cases SET alert_count = ?, priority = ?, first_seen = ?, last_seen = ?, updated_at = ? WHERE id = ?",
  );
  const grouping: SqliteGrouping = {
    lookup: {
      casesWithKey: async (kind, values, environment, window) =>
        casesWithKey.all(kind, hashes(values), JSON.stringify(values), environment, window.from, window.to) as number[],
      campaignMatches: async (subject, urls, environment, window) =>
        campaign.all(subject, hashes(urls), JSON.stringify(urls), environment, window.from, window.to) as {
          case_id: number;
          value: string;
        }[],
      urlSubjectCounts: async (urls, window) =>
        subjectCounts.all(hashes(urls), JSON.stringify(urls), window.from, window.to) as { url: string; subjects: number }[],
      casesByIds: async (ids) => casesByIds.all(JSON.stringify(ids)) as { id: number; status: string; alert_count: number }[],
    },
    refreshCase(caseId, now) {
      const stats = caseStats.get(caseId) as { count: number; priority: number; first: number; last: number };
      if (Number(stats.count) === 0) return;
      updateCase.run(Number(stats.count), Number(stats.priority), Number(stats.first), Number(stats.last), now, caseId);
    },
  };
  prepared.set(db, grouping);
  return grouping;
}
