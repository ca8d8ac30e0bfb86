// `intake serve`: the HTTP API and the console, and every enabled connector run on its interval.
import type { Command } from "commander";
import { QueueNeedsPostgres, ServeListen, ServePort, ServeTrustProxy } from "../../platform/errors.js";
import { sandboxMode } from "../../platform/runner/namespace.js";
import type { ServiceContext } from "../../platform/services/index.js";
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
    .option(
      "--queue",
      "queue mode (PostgreSQL; also INTAKE_MODE=queue): the API and console only, the work left to intake worker processes",
    )
    .option(
      "--trust-proxy <addresses>",
      "believe X-Forwarded-For and X-Forwarded-Proto only from this reverse proxy (addresses or CIDRs, comma-separated)",
    )
    .action(async (options: { port: number; host: string; scheduler: boolean; queue?: boolean; trustProxy?: string }) => {
      if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new ServePort(options.port);
      // Loaded here, not with the CLI: every other command (a connector run too) starts without the
      // HTTP server's modules.
      const [{ buildServer }, { createSetupLink, setupUrl, SETUP_LINK_MINUTES }, { hasUsers }, services] = await Promise.all([
        import("../../server/app.js"),
        import("../../server/first-run.js"),
        import("../../platform/users/index.js"),
        import("../../platform/services/index.js"),
      ]);
      const queueMode = options.queue === true || process.env.INTAKE_MODE === "queue";
      await withStore(async (store) => {
        if (queueMode && store.dialect !== "postgres") throw new QueueNeedsPostgres(store.url);
        // Queue mode: connectors, playbooks, feeds and the outbox run in the workers; "Run once" and Test
        // from the console are sent to them through pg-boss (this process only sends, it takes no job).
        if (queueMode) options.scheduler = false;
        const notice = (message: string) => process.stderr.write(`${message}\n`);
        // What serve runs besides its API: the services table's "embedded" rows (platform/services), stopped in reverse.
        const stack = new services.ServiceStack(notice);
        const context: ServiceContext = {
          where: "embedded",
          store,
          notice,
          stopping: stack.stopping,
          shared: {},
          options: {
            onRun: (name, summary) => {
              const error = summary.error ? ` (${summary.error.code}: ${summary.error.message})` : "";
              const counts = `fetched ${summary.fetched}, ingested ${summary.ingested}, failed ${summary.failed}`;
              process.stderr.write(`run ${summary.runId} ${name}: ${summary.status}, ${counts}${error}\n`);
            },
            onLog: (name, entry) => printLog({ ...entry, message: `${name}: ${entry.message}` }),
          },
        };
        let runNow: RunNow | undefined;
        if (queueMode) {
          await stack.start([services.serviceNamed("queue")], context);
          const { runOnWorker } = await import("../../platform/workers/run-now.js");
          const { boss } = context.shared.queue!;
          runNow = (name, test) => runOnWorker(store, boss, name, test);
        }
        // Made before the API, whose routes refresh it when a connector changes; started with the other services.
        const scheduler = options.scheduler ? await services.makeScheduler(context) : undefined;
        if (scheduler) context.shared.scheduler = scheduler;
        // Probed once now: a fallback to the permission model is said on stderr at start, not at the first run.
        sandboxMode();
        const setupLink = (await hasUsers(store)) ? undefined : createSetupLink();
        let app: Awaited<ReturnType<typeof buildServer>>;
        try {
          app = await buildServer({
            store,
            ...(scheduler ? { scheduler } : {}),
            ...(runNow ? { runNow } : {}),
            ...(setupLink ? { setupLink } : {}),
            ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
          });
        } catch (error) {
          await stack.stop();
          // proxy-addr names the value it cannot read ("invalid IP address: …").
          if (options.trustProxy !== undefined && error instanceof TypeError)
            throw new ServeTrustProxy(JSON.stringify(options.trustProxy), error.message);
          throw error;
        }
        try {
          await app.listen({ port: options.port, host: options.host });
        } catch (error) {
          await stack.stop();
          throw new ServeListen(`${options.host}:${options.port}`, (error as Error).message);
        }
        stack.add("HTTP API", () => app.close());
        const address = app.server.address();
        const port = typeof address === "object" && address ? address.port : options.port;
        process.stdout.write(
          `intake serve: listening on ` +
            `http://${options.host}:${port}${queueMode ? " (queue mode: connectors run in intake worker processes)" : ""}\n`,
        );
        if (setupLink)
          process.stdout.write(
            `intake serve: no user yet: create the first admin at ` +
              `${setupUrl(options.host, port, setupLink.token)} (one use, valid ${SETUP_LINK_MINUTES} minutes)\n`,
          );
        // Without the scheduler (--no-scheduler, queue mode), only the warm code processes that the API's actions use.
        const background = options.scheduler ? services.servicesFor("embedded") : [services.serviceNamed("warm code processes")];
        await stack.start(background, context);
        // Shutdown waits for runs under way; a second signal leaves at once (an unacknowledged batch stays unread on the server).
        await services.stopOnSignal(
          () => stack.stop(),
          {
            stopping: (signal) => `${signal}: stopping (waiting for runs under way; ${signal} again to leave now)`,
            leaving: (signal) => `${signal} again: leaving now; the current batch is not acknowledged and will be read again`,
          },
          notice,
        );
        process.stdout.write("intake serve: stopped\n");
      });
    });
}
