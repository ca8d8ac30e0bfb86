// `intake serve`: the HTTP API and the console, and every enabled connector run on its interval.
import type { Command } from "commander";
import { QueueNeedsPostgres, ServeListen, ServePort, ServeTrustProxy } from "../../platform/errors.js";
import type { QueueConnection } from "../../platform/queue/pgboss.js";
import { sandboxMode } from "../../platform/runner/namespace.js";
import type { RunNow } from "../../server/routes/connectors.js";
import type { WithStore } from "../context.js";
import { printLog } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  program
    .command("serve")
    .description("serve the API and the web console, and run the enabled connectors on their intervals")
    .option("--port <n>", "TCP port", (v) => Number.parseInt(v, 10), 8080)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--no-scheduler", "serve only: run no connector on its interval and no playbook")
    .option("--queue", "queue mode (PostgreSQL; also INTAKE_MODE=queue): the API and console only, the work left to intake worker processes")
    .option("--trust-proxy <addresses>", "believe X-Forwarded-For and X-Forwarded-Proto only from this reverse proxy (addresses or CIDRs, comma-separated)")
    .action(async (options: { port: number; host: string; scheduler: boolean; queue?: boolean; trustProxy?: string }) => {
      if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new ServePort(options.port);
      // Loaded here, not with the CLI: every other command (a connector run too) starts without the
      // HTTP server's modules.
      const [{ Scheduler }, { buildServer }, { createSetupLink, setupUrl, SETUP_LINK_MINUTES }, { hasUsers }, { startPlaybookWorker }] = await Promise.all([
        import("../../platform/scheduler/index.js"), import("../../server/app.js"), import("../../server/first-run.js"), import("../../platform/users/index.js"),
        import("../../platform/playbooks/worker.js"),
      ]);
      const { FeedScheduler } = await import("../../platform/intel/schedule.js");
      const { startOutboxSender, configuredBackoffMs } = await import("../../platform/outbox/index.js");
      const { enableWarmRunners, stopWarmRunners } = await import("../../platform/runner/pool.js");
      const queueMode = options.queue === true || process.env.INTAKE_MODE === "queue";
      await withStore(async (store) => {
        if (queueMode && store.dialect !== "postgres") throw new QueueNeedsPostgres(store.url);
        // Queue mode: connectors, playbooks, feeds and the outbox run in the workers; "Run once" and Test
        // from the console are sent to them through pg-boss (this process only sends, it takes no job).
        if (queueMode) options.scheduler = false;
        let queue: QueueConnection | undefined;
        let runNow: RunNow | undefined;
        if (queueMode) {
          const [{ startQueue }, { runOnWorker }] = await Promise.all([import("../../platform/queue/pgboss.js"), import("../../platform/workers/run-now.js")]);
          const connection = await startQueue(store, { onError: (error) => process.stderr.write(`queue: ${error.message}\n`) });
          queue = connection;
          runNow = (name, test) => runOnWorker(store, connection.boss, name, test);
        }
        const scheduler = options.scheduler
          ? new Scheduler(store, {
            onRun: (name, summary) => process.stderr.write(`run ${summary.runId} ${name}: ${summary.status}, fetched ${summary.fetched}, ingested ${summary.ingested}, failed ${summary.failed}${summary.error ? ` (${summary.error.code}: ${summary.error.message})` : ""}\n`),
            onLog: (name, entry) => printLog({ ...entry, message: `${name}: ${entry.message}` }),
            onJobRun: (name, outcome) => process.stderr.write(`job run ${outcome.jobRunId} ${name}: ${outcome.status}${outcome.error ? ` (${outcome.error.code}: ${outcome.error.message})` : ""}\n`),
          })
          : undefined;
        // Probed once now: a fallback to the permission model is said on stderr at start, not at the first run.
        sandboxMode();
        const setupLink = (await hasUsers(store)) ? undefined : createSetupLink();
        let app: Awaited<ReturnType<typeof buildServer>>;
        try {
          app = await buildServer({ store, ...(scheduler ? { scheduler } : {}), ...(runNow ? { runNow } : {}), ...(setupLink ? { setupLink } : {}), ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}) });
        } catch (error) {
          await queue?.stop().catch(() => undefined);
          // proxy-addr names the value it cannot read ("invalid IP address: …").
          if (options.trustProxy !== undefined && error instanceof TypeError) throw new ServeTrustProxy(JSON.stringify(options.trustProxy), error.message);
          throw error;
        }
        try {
          await app.listen({ port: options.port, host: options.host });
        } catch (error) {
          await queue?.stop().catch(() => undefined);
          throw new ServeListen(`${options.host}:${options.port}`, (error as Error).message);
        }
        const address = app.server.address();
        const port = typeof address === "object" && address ? address.port : options.port;
        process.stdout.write(`intake serve: listening on http://${options.host}:${port}${queueMode ? " (queue mode: connectors run in intake worker processes)" : ""}\n`);
        if (setupLink) process.stdout.write(`intake serve: no user yet: create the first admin at ${setupUrl(options.host, port, setupLink.token)} (one use, valid ${SETUP_LINK_MINUTES} minutes)\n`);
        // Connector runs, actions and jobs reuse warm code processes (runner/pool.ts) while serve runs.
        enableWarmRunners();
        await scheduler?.start();
        const playbooks = options.scheduler
          ? startPlaybookWorker(store, {
            onStep: ({ runId, stepId, status }) => process.stderr.write(`playbook run ${runId} step ${stepId}: ${status}\n`),
            onError: (error) => process.stderr.write(`playbooks: ${(error as Error).message}\n`),
          })
          : undefined;
        const feeds = options.scheduler
          ? new FeedScheduler(store, (name, outcome) => process.stderr.write(`feed ${name}: ${outcome.error ?? `${outcome.indicators} indicators`}\n`))
          : undefined;
        feeds?.start();
        // Replies staged by actions: sent as they come, retried with backoff.
        const outbox = options.scheduler
          ? startOutboxSender(store, {
            backoffMs: configuredBackoffMs(),
            onMessage: ({ id, recipient, status, error }) => process.stderr.write(`outbox ${id} to ${recipient}: ${status}${error ? ` (${error})` : ""}\n`),
            onError: (error) => process.stderr.write(`outbox: ${(error as Error).message}\n`),
          })
          : undefined;
        // Shutdown waits for runs under way; a second signal leaves at once (an unacknowledged batch stays unread on the server).
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: NodeJS.Signals) => {
            if (stopping) {
              process.stderr.write(`${signal} again: leaving now; the current batch is not acknowledged and will be read again\n`);
              process.exit(130);
            }
            stopping = true;
            process.stderr.write(`${signal}: stopping (waiting for runs under way; ${signal} again to leave now)\n`);
            void (async () => {
              await scheduler?.stop();
              await playbooks?.stop();
              await feeds?.stop();
              await outbox?.stop();
              await app.close();
              await stopWarmRunners();
              await queue?.stop().catch(() => undefined);
              resolve();
            })();
          };
          process.on("SIGTERM", stop);
          process.on("SIGINT", stop);
        });
        process.stdout.write("intake serve: stopped\n");
      });
    });
}
