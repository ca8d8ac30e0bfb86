// `intake job run|schedule|list|runs`: an integration's jobs, once by hand or on their interval under intake serve.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { IntakeError } from "../../platform/errors.js";
import { listJobRuns, listScheduledJobs, runJob, scheduleJob } from "../../platform/jobs/index.js";
import { formatTime, printLog, table } from "../output.js";
import { readParamsFile } from "./connector.js";

export function register(program: Command, withStore: WithStore): void {
  const job = program
    .command("job")
    .description("jobs of integrations: run one now, schedule it for intake serve, list them and their runs");

  job
    .command("run <integration> <job>")
    .description("run a job once now, in its own process (its context is saved when it succeeds, unless --test)")
    .option("--test", "a test run: the code sees isTestRun and its context is not saved")
    .option("--params <file>", "JSON object: parameter name → value (default: the scheduled job's)")
    .option("--json", "print {status, jobRun, test, error?} as one JSON object on the last line of stdout")
    .option("-v, --verbose", "print the job's log (on stderr; a test run always does)")
    .action(async (integration: string, name: string, options: { test?: boolean; params?: string; json?: boolean; verbose?: boolean }) => {
      const params = options.params === undefined ? undefined : readParamsFile(options.params);
      const outcome = await withStore((store) =>
        runJob(store, {
          integration,
          job: name,
          test: options.test ?? false,
          ...(params === undefined ? {} : { params: params as Record<string, unknown> }),
        }),
      );
      if (options.verbose || options.test)
        for (const entry of outcome.logs.filter((e) => !outcome.error || e.message !== `${outcome.error.code}: ${outcome.error.message}`))
          printLog(entry);
      if (options.json) {
        const answer = JSON.stringify({
          status: outcome.status,
          jobRun: outcome.jobRunId,
          test: outcome.test,
          ms: outcome.finishedAt - outcome.startedAt,
          ...(outcome.error ? { error: outcome.error } : {}),
        });
        process.stdout.write(`${answer}\n`);
      } else {
        console.log(
          `job run ${outcome.jobRunId} ${outcome.status}${outcome.test ? " (test)" : ""}: ` +
            `${outcome.integration}/${outcome.job}, ${outcome.finishedAt - outcome.startedAt} ms`,
        );
      }
      if (outcome.error) throw new IntakeError(outcome.error.code, outcome.error.message);
    });

  job
    .command("schedule <integration> <job>")
    .description("run the job on its interval under intake serve, with these parameters (again: change them; --disable: stop it)")
    .option("--params <file>", "JSON object: parameter name → value (a password left out keeps its stored value)")
    .option("--interval <seconds>", "the interval (default: the job's intervalSeconds)", (v) => Number(v))
    .option("--disable", "keep the settings, run it no more")
    .action(async (integration: string, name: string, options: { params?: string; interval?: number; disable?: boolean }) => {
      const params = options.params === undefined ? undefined : readParamsFile(options.params);
      const scheduled = await withStore((store) =>
        scheduleJob(store, {
          integration,
          job: name,
          ...(params === undefined ? {} : { params }),
          ...(options.interval === undefined ? {} : { intervalSeconds: options.interval }),
          enabled: !options.disable,
        }),
      );
      const when = scheduled.enabled ? `runs every ${scheduled.intervalSeconds} s under intake serve` : "is disabled";
      console.log(`job "${scheduled.integration}/${scheduled.job}" ${when}; parameters: ${JSON.stringify(scheduled.parameters)}`);
    });

  job
    .command("list")
    .description("the jobs with settings (scheduled or run by hand) and their last run")
    .option("--json", "as JSON")
    .action(async (options: { json?: boolean }) => {
      const jobs = await withStore((store) => listScheduledJobs(store));
      if (options.json) return console.log(JSON.stringify(jobs));
      console.log(
        jobs.length
          ? table(
              jobs.map((j) => ({
                job: `${j.slug}/${j.job}`,
                enabled: j.enabled ? "yes" : "no",
                interval: `${j.intervalSeconds}s`,
                "last run": j.lastRun ? `${j.lastRun.status} ${formatTime(j.lastRun.startedAt)}` : "never",
              })),
              ["job", "enabled", "interval", "last run"],
            )
          : "no jobs scheduled: intake job schedule INTEGRATION JOB --params FILE.json",
      );
    });

  job
    .command("runs")
    .description("job runs, newest first")
    .option("--integration <name>", "only this integration's (short name)")
    .option("--job <name>", "only this job's")
    .option("--json", "as JSON, with the logs")
    .action(async (options: { integration?: string; job?: string; json?: boolean }) => {
      const runs = await withStore((store) =>
        listJobRuns(store, {
          ...(options.integration ? { integration: options.integration } : {}),
          ...(options.job ? { job: options.job } : {}),
        }),
      );
      if (options.json) return console.log(JSON.stringify(runs));
      console.log(
        runs.length
          ? table(
              runs.map((r) => ({
                id: r.id,
                job: `${r.integration}/${r.job}`,
                test: r.is_test ? "test" : "",
                status: r.status,
                started: formatTime(r.started_at),
                error: r.error ?? "",
              })),
              ["id", "job", "test", "status", "started", "error"],
            )
          : "no job runs",
      );
    });
}
