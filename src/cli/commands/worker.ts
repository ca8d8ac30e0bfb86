// `intake worker`: a queue-mode worker process, taking connector runs, push watches, playbook steps and the
// outbox from the shared PostgreSQL; SIGTERM drains it.
import { sandboxMode } from "../../platform/runner/namespace.js";
import os from "node:os";
import type { Command } from "commander";
import { z } from "zod";
import { HealthListen, WorkerConcurrency, WorkerHealthPort } from "../../platform/errors.js";
import type { Store } from "../../platform/store/index.js";
import type { WithStore } from "../context.js";
import { printLog } from "../output.js";

const WorkerCommandOptions = z.object({
  concurrency: z.string().optional(),
  healthPort: z.string().optional(),
  healthHost: z.string(),
  grace: z.string(),
});

function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** The standalone health server on `host` (loopback unless --health-host), or one line why not. */
async function listenForHealth(store: Store, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const { serveHealth } = await import("../../server/health.js");
  try {
    return await serveHealth(port, store, host, (message) => process.stderr.write(`worker: ${message}\n`));
  } catch (error) {
    throw new HealthListen(port, (error as Error).message);
  }
}

export function register(program: Command, withStore: WithStore): void {
  program
    .command("worker")
    .description("queue mode (PostgreSQL): take connector runs, push watches, playbook steps and replies from the shared queue")
    .option("--concurrency <n>", "runs at once in this worker (default: the machine's cores)")
    .option("--health-port <n>", "answer GET /api/health on this port (liveness and readiness)")
    .option("--health-host <address>", "the address the health port listens on (0.0.0.0 for a probe from another machine)", "127.0.0.1")
    .option("--grace <seconds>", "on SIGTERM, how long to wait for the runs under way before stopping them", "30")
    .action(async (raw: unknown) => {
      const options = WorkerCommandOptions.parse(raw);
      const concurrency = options.concurrency === undefined ? os.availableParallelism() : wholeNumber(options.concurrency, 1, 256);
      if (concurrency === undefined) throw new WorkerConcurrency(JSON.stringify(options.concurrency));
      const healthPort = options.healthPort === undefined ? undefined : wholeNumber(options.healthPort, 0, 65535);
      if (options.healthPort !== undefined && healthPort === undefined) throw new WorkerHealthPort(JSON.stringify(options.healthPort));
      const graceSeconds = wholeNumber(options.grace, 0, 86_400) ?? 30;
      const [{ startWorker }, { stopOnSignal }] = await Promise.all([
        import("../../platform/workers/index.js"),
        import("../../platform/services/index.js"),
      ]);
      await withStore(async (store) => {
        // Before the worker starts: a probe learns at once that the database answers and the schema is current.
        const health = healthPort === undefined ? undefined : await listenForHealth(store, healthPort, options.healthHost);
        const worker = await startWorker(store, {
          concurrency,
          graceSeconds,
          onRun: (name, summary) =>
            process.stderr.write(
              `run ${summary.runId} ${name}: ${summary.status}, fetched ${summary.fetched}, ingested ` +
                `${summary.ingested}, failed ` +
                `${summary.failed}${summary.error ? ` (${summary.error.code}: ${summary.error.message})` : ""}\n`,
            ),
          onLog: (name, entry) => printLog({ ...entry, message: `${name}: ${entry.message}` }),
          onNotice: (message) => process.stderr.write(`worker: ${message}\n`),
        });
        // Probed once now: a fallback to the permission model is said on stderr at start.
        sandboxMode();
        process.stdout.write(`intake worker ${worker.id}: started (concurrency ${concurrency})\n`);
        if (health)
          process.stdout.write(
            `intake worker ${worker.id}: health on port ${health.port} of ${options.healthHost} (GET /health, /api/health)\n`,
          );
        await stopOnSignal(
          () => worker.stop(),
          {
            stopping: (signal) =>
              `${signal}: draining (taking nothing new, waiting up to ${graceSeconds} s for ${worker.active()} run(s) under way; ` +
              `${signal} again to leave now)`,
            leaving: (signal) => `${signal} again: leaving now; the batches under way are not acknowledged and will be read again`,
          },
          (line) => process.stderr.write(`${line}\n`),
        );
        // Answered until the drain ends: a probe sees the worker alive while it finishes its runs.
        await health?.close();
        process.stdout.write(`intake worker ${worker.id}: stopped\n`);
      });
    });
}
