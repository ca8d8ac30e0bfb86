// `intake runs list|show`: the run history and each run's log.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { RunNotFound } from "../../platform/errors.js";
import type { LogEntry } from "../../sdk/execution.js";
import { formatTime, table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  const runs = program.command("runs").description("run history");
  runs
    .command("list")
    .option("--connector <name>", "only this connector's runs")
    .option("--limit <n>", "how many", (v) => Number.parseInt(v, 10), 20)
    .action(async (options: { connector?: string; limit: number }) => {
      await withStore(async (store) => {
        let query = store.db.selectFrom("runs").innerJoin("connectors", "connectors.id", "runs.connector_id")
          .select(["runs.id", "connectors.name", "runs.is_test", "runs.status", "runs.started_at", "runs.finished_at", "runs.fetched", "runs.ingested", "runs.duplicates", "runs.failed", "runs.error"]);
        if (options.connector) query = query.where("connectors.name", "=", options.connector);
        const rows = await query.orderBy("runs.id", "desc").limit(options.limit).execute();
        console.log(table(rows.map((r) => ({ ...r, connector: r.name, test: r.is_test ? "test" : "", started: formatTime(r.started_at), ms: r.finished_at ? r.finished_at - r.started_at : "" })),
          ["id", "connector", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"]));
      });
    });
  runs
    .command("show <id>")
    .description("a run's counts and its log")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const run = await store.db.selectFrom("runs").selectAll().where("id", "=", Number(id)).executeTakeFirst();
        if (!run) throw new RunNotFound(id);
        console.log(`run ${run.id}: ${run.status}${run.is_test ? " (test)" : ""}, fetched ${run.fetched}, ingested ${run.ingested}, duplicates ${run.duplicates}, failed ${run.failed}${run.error ? `\n${run.error}` : ""}`);
        for (const entry of JSON.parse(run.logs) as LogEntry[]) console.log(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
      });
    });
}
