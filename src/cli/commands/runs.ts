// `intake runs list|show`: the run history and each run's log.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { RunNotFound } from "../../platform/errors.js";
import { findRun, listRuns } from "../../platform/runner/index.js";
import { formatTime, table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  const runs = program.command("runs").description("run history");
  runs
    .command("list")
    .option("--connector <name>", "only this connector's runs")
    .option("--limit <n>", "how many", (v) => Number.parseInt(v, 10), 20)
    .action(async (options: { connector?: string; limit: number }) => {
      await withStore(async (store) => {
        const { runs: rows } = await listRuns(store, { connector: options.connector, limit: options.limit });
        console.log(table(rows.map((r) => ({ ...r, test: r.is_test ? "test" : "", started: formatTime(r.started_at), ms: r.finished_at ? r.finished_at - r.started_at : "" })),
          ["id", "connector", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"]));
      });
    });
  runs
    .command("show <id>")
    .description("a run's counts and its log")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const run = await findRun(store, Number(id));
        if (!run) throw new RunNotFound(id);
        console.log(`run ${run.id}: ${run.status}${run.is_test ? " (test)" : ""}, fetched ${run.fetched}, ingested ${run.ingested}, duplicates ${run.duplicates}, failed ${run.failed}${run.error ? `\n${run.error}` : ""}`);
        for (const entry of run.logs) console.log(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
      });
    });
}
