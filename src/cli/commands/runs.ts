// `intake runs list|show`: the run history (a table, or every run as JSON) and each run's log.
import { InvalidArgumentError, type Command } from "commander";
import type { WithStore } from "../context.js";
import { RunNotFound } from "../../platform/errors.js";
import { allRuns, findRun, listRuns, type ListedRun } from "../../platform/runner/index.js";
import { formatTime, table } from "../output.js";

/** A run as `runs list --json` prints it: the fields docs/interfaces.md names ("Connectors and cases") first, then the other counts. */
function runJson(run: ListedRun) {
  return {
    id: run.id,
    connector: run.connector,
    worker: run.worker,
    started_at: run.started_at,
    finished_at: run.finished_at,
    status: run.status,
    ingested: run.ingested,
    test: run.is_test === 1,
    fetched: run.fetched,
    alerts: run.alerts,
    duplicates: run.duplicates,
    failed: run.failed,
    skipped: run.skipped,
    error: run.error,
  };
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`a whole number of 1 or more, got ${JSON.stringify(value)}`);
  return number;
}

export function register(program: Command, withStore: WithStore): void {
  const runs = program.command("runs").description("run history");
  runs
    .command("list")
    .option("--connector <name>", "only this connector's runs")
    .option("--limit <n>", "how many, newest first (default: 20 in the table, every run with --json)", positiveInteger)
    .option(
      "--json",
      'print [{"id","connector","worker","started_at","finished_at","status","ingested",…}] on one line of stdout ' +
        "(times in Unix ms; worker null when no worker ran it)",
    )
    .action(async (options: { connector?: string; limit?: number; json?: boolean }) => {
      await withStore(async (store) => {
        if (options.json) {
          // Every run by default: the JSON is read by programs (the bench checks that no two runs of one connector overlapped).
          const rows =
            options.limit === undefined
              ? await allRuns(store, { connector: options.connector })
              : (await listRuns(store, { connector: options.connector, limit: options.limit })).runs;
          console.log(JSON.stringify(rows.map(runJson)));
          return;
        }
        const { runs: rows } = await listRuns(store, { connector: options.connector, limit: options.limit ?? 20 });
        console.log(
          table(
            rows.map((r) => ({
              ...r,
              test: r.is_test ? "test" : "",
              started: formatTime(r.started_at),
              ms: r.finished_at ? r.finished_at - r.started_at : "",
            })),
            ["id", "connector", "test", "status", "started", "ms", "fetched", "ingested", "duplicates", "failed", "error"],
          ),
        );
      });
    });
  runs
    .command("show <id>")
    .description("a run's counts and its log")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const run = await findRun(store, Number(id));
        if (!run) throw new RunNotFound(id);
        console.log(
          `run ${run.id}: ${run.status}${run.is_test ? " (test)" : ""}${run.worker_id ? ` on worker ${run.worker_id}` : ""}, ` +
            `fetched ${run.fetched}, ingested ${run.ingested}, duplicates ${run.duplicates}, failed ${run.failed}` +
            `${run.error ? `\n${run.error}` : ""}`,
        );
        for (const entry of run.logs) console.log(`${formatTime(entry.time)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}`);
      });
    });
}
