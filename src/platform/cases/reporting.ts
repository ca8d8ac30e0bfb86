// Who sent and who reported what a case holds, read from its entities' roles and forward depths (never
// from a connector's labels): the case queue's sender, the overview's counts, each report's reporter.
import type { EntityRole } from "../../sdk/alert.js";

export interface RoleEntity {
  value: string;
  role: EntityRole | null;
  depth: number;
}

/**
 * The sender of the reported item, one per case: its deepest `sender` (a report forwards the item it
 * reports), the first given on a tie. `rows` are the cases' `sender` entities in the order stored.
 */
export function reportedSenders(rows: { case_id: number; value: string; depth: number }[]): { case_id: number; value: string }[] {
  const best = new Map<number, { value: string; depth: number }>();
  for (const row of rows) {
    const current = best.get(row.case_id);
    if (!current || row.depth > current.depth) best.set(row.case_id, { value: row.value, depth: row.depth });
  }
  return [...best].map(([case_id, { value }]) => ({ case_id, value }));
}

/**
 * Who reported one alert: its shallowest `reporter`s; with none, its recipients at depth 0 (an item
 * reported as it came, such as a mail moved to the report mailbox, was reported by whom it reached).
 */
export function reportersOf(entities: RoleEntity[]): string[] {
  const reporters = entities.filter((e) => e.role === "reporter");
  if (reporters.length) {
    const shallowest = Math.min(...reporters.map((e) => e.depth));
    return unique(reporters.filter((e) => e.depth === shallowest).map((e) => e.value));
  }
  return unique(entities.filter((e) => e.role === "recipient" && e.depth === 0).map((e) => e.value));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
