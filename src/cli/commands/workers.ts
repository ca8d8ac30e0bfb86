// `intake workers list`: queue mode's worker processes, their heartbeat, runs under way and state.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
// The registry alone: the worker module behind workers/index.js loads pg-boss, which no other command needs.
import { listWorkers, type ListedWorker } from "../../platform/workers/registry.js";
import { formatTime, table } from "../output.js";

/** A worker as `workers list --json` prints it: snake_case and Unix ms, as `runs list --json`. */
function workerJson(worker: ListedWorker) {
  return {
    id: worker.id,
    host: worker.host,
    pid: worker.pid,
    concurrency: worker.concurrency,
    started_at: worker.startedAt,
    heartbeat_at: worker.heartbeatAt,
    stopped_at: worker.stoppedAt,
    runs_active: worker.runsActive,
    state: worker.state,
  };
}

export function register(program: Command, withStore: WithStore): void {
  const workers = program.command("workers").description("queue mode's worker processes");
  workers
    .command("list")
    .description("every worker that registered, newest first: alive, stopped (drained and left) or lost (no heartbeat for 30 s)")
    .option(
      "--json",
      'print [{"id","host","pid","concurrency","started_at","heartbeat_at","stopped_at","runs_active","state"}] on one line of stdout',
    )
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store) => {
        const rows = await listWorkers(store);
        if (options.json) {
          console.log(JSON.stringify(rows.map(workerJson)));
          return;
        }
        if (rows.length === 0) {
          console.log("no worker has registered (queue mode: start one with intake worker)");
          return;
        }
        console.log(
          table(
            rows.map((w) => ({ ...w, started: formatTime(w.startedAt), heartbeat: formatTime(w.heartbeatAt), runs: w.runsActive })),
            ["id", "host", "pid", "concurrency", "started", "heartbeat", "runs", "state"],
          ),
        );
      });
    });
}
