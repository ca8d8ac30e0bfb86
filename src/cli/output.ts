// Printing for the CLI: aligned tables, one-line errors, JSON.
import { IntakeError } from "../sdk/errors.js";

export function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? "")));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}

/** The one line an error prints: `CODE: message`. */
export function errorLine(error: unknown): string {
  if (error instanceof IntakeError) return error.toLine();
  const err = error as { code?: unknown; message?: unknown };
  if (typeof err?.code === "string" && typeof err.message === "string") return `${err.code}: ${err.message}`;
  return `ERROR: ${String(err?.message ?? error)}`;
}

export function formatTime(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "";
}

export function printLog(entry: { time: number; level: string; message: string }): void {
  process.stderr.write(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}\n`);
}
