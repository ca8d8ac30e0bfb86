// Waiting on what another process does: a condition polled until true, and counts read from its SQLite file.
import fs from "node:fs";
import Database from "better-sqlite3";

/** Polls until the condition holds; returns how long it took. Throws after the timeout. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000, intervalMs = 25): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return Date.now() - start;
}

/** A count from the database file of a running Intake (0 while the file or its schema is not there yet). */
export function countRows(file: string, sql: string, ...params: unknown[]): number {
  if (!fs.existsSync(file)) return 0;
  const db = new Database(file, { readonly: true, timeout: 5000 });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}
