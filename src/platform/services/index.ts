// The platform's background services in one table, from which `intake serve` (embedded), `intake worker` and the
// worker holding the leader lock are composed (n8n's scaling services are the model): each process starts the rows
// of its place in table order and stops them in reverse (services/stack.ts).
import type { LogEntry } from "../../sdk/execution.js";
import type { QueueConnection } from "../queue/pgboss.js";
import type { RunSummary } from "../runner/index.js";
import type { Scheduler } from "../scheduler/index.js";
import type { Store } from "../store/index.js";
import type { LeaderDuties } from "../workers/leader.js";
import type { Registration } from "../workers/registry.js";
import type { RunTaker } from "../workers/runs.js";
import type { WatcherPool } from "../workers/watchers.js";
import { ServiceStack, type Startable } from "./stack.js";

export { finishedWithin, ServiceStack, stopOnSignal } from "./stack.js";
export type { SignalWords } from "./stack.js";

/**
 * Where a service runs: "embedded", `intake serve` running the whole platform in one process; "worker", each
 * `intake worker` of queue mode; "leader", the one worker holding the leader lock (workers/leader.ts).
 */
export type ServiceWhere = "embedded" | "worker" | "leader";

/** What the process's command gives its services. */
export interface ServiceOptions {
  /** Runs at once in a worker. */
  concurrency?: number;
  /** How long a worker's drain waits for the runs under way before it stops them. */
  graceSeconds?: number;
  /** How often a worker sends the schedule and tries the push watches and the leader lock (ms). */
  tickMs?: number;
  /** How often a worker asks the queue for work when it had none (ms). */
  pollMs?: number;
  onRun?: (connector: string, summary: RunSummary) => void;
  onLog?: (connector: string, entry: LogEntry) => void;
}

/** What a service of the table is started with. */
export interface ServiceContext {
  readonly where: ServiceWhere;
  readonly store: Store;
  readonly options: ServiceOptions;
  /** A line for the process's own log (serve writes it as it is, a worker after "worker: "). */
  notice(message: string): void;
  /** Aborted as the process begins to stop (ServiceStack.stopping). */
  readonly stopping: AbortSignal;
  /** What a service starts for those after it (the worker's queue, registration, runs…), and serve's scheduler. */
  readonly shared: SharedServices;
}

export interface SharedServices {
  queue?: QueueConnection;
  registration?: Registration;
  runs?: RunTaker;
  watchers?: WatcherPool;
  leader?: LeaderDuties;
  /** Made before the HTTP API (its routes refresh it when a connector changes), started by its row. */
  scheduler?: Scheduler;
}

/** A row of the table: started in `where`, in table order; `stop` is given what `start` returned. */
export interface Service<Handle = unknown> {
  name: string;
  where: readonly ServiceWhere[];
  start(context: ServiceContext): Promise<Handle>;
  stop(handle: Handle, context: ServiceContext): Promise<void>;
}

/** A row typed by its own handle, kept in the table with the others. */
function service<Handle>(row: Service<Handle>): Startable<ServiceContext> & { where: readonly ServiceWhere[] } {
  return {
    name: row.name,
    where: row.where,
    async start(context) {
      const handle = await row.start(context);
      return () => row.stop(handle, context);
    },
  };
}

/** What a row that needs an earlier one's work reads; a table out of order is a fault of the platform. */
function needs<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`services: "${name}" is started later in the table than what needs it`);
  return value;
}

/** The connector and job schedule of `intake serve` (the leader's: jobs only), made before it starts. */
export async function makeScheduler(context: ServiceContext): Promise<Scheduler> {
  const { Scheduler } = await import("../scheduler/index.js");
  return new Scheduler(context.store, {
    connectors: context.where === "embedded",
    ...(context.options.onRun ? { onRun: context.options.onRun } : {}),
    ...(context.options.onLog ? { onLog: context.options.onLog } : {}),
    onJobRun: (name, outcome) => {
      const error = outcome.error ? ` (${outcome.error.code}: ${outcome.error.message})` : "";
      context.notice(`job run ${outcome.jobRunId} ${name}: ${outcome.status}${error}`);
    },
  });
}

/**
 * The table. Started top to bottom, stopped bottom to top: what takes work in (the schedule, the runs from the
 * queue) stops before what its work hands on to (playbooks, the outbox), and the queue and the warm code
 * processes last. Modules are loaded by the row that needs them: serve on SQLite never loads pg-boss.
 */
export const SERVICES = [
  service({
    name: "queue",
    where: ["worker"],
    // pg-boss's schema installed one process at a time, a deadlock retried (queue/pgboss.ts).
    async start(context) {
      const { startQueue } = await import("../queue/pgboss.js");
      context.shared.queue = await startQueue(context.store, { onError: (error) => context.notice(`queue: ${error.message}`) });
      return context.shared.queue;
    },
    stop: (queue) => queue.stop().catch(() => undefined),
  }),
  service({
    name: "worker registration",
    where: ["worker"],
    async start(context) {
      const { registerWorker } = await import("../workers/registry.js");
      context.shared.registration = await registerWorker(context.store, {
        concurrency: needs(context.options.concurrency, "concurrency"),
        onError: (error) => context.notice(`heartbeat: ${(error as Error).message}`),
      });
      return context.shared.registration;
    },
    stop: (registration, context) =>
      registration.stop().catch((error: unknown) => context.notice(`could not mark the worker stopped: ${(error as Error).message}`)),
  }),
  service({
    name: "warm code processes",
    where: ["embedded", "worker"],
    // Connector runs, actions and jobs reuse warm code processes (runner/pool.ts) while the process runs.
    async start() {
      const { enableWarmRunners } = await import("../runner/pool.js");
      enableWarmRunners();
    },
    async stop() {
      const { stopWarmRunners } = await import("../runner/pool.js");
      await stopWarmRunners();
    },
  }),
  service({
    name: "outbox",
    where: ["embedded", "worker"],
    // Replies staged by actions: sent as they come, retried with backoff.
    async start(context) {
      const { configuredBackoffMs, startOutboxSender } = await import("../outbox/index.js");
      return startOutboxSender(context.store, {
        backoffMs: configuredBackoffMs(),
        onMessage: ({ id, recipient, status, error }) =>
          context.notice(`outbox ${id} to ${recipient}: ${status}${error ? ` (${error})` : ""}`),
        onError: (error) => context.notice(`outbox: ${(error as Error).message}`),
      });
    },
    stop: (outbox) => outbox.stop(),
  }),
  service({
    name: "feeds",
    where: ["embedded", "leader"],
    async start(context) {
      const { FeedScheduler } = await import("../intel/schedule.js");
      const feeds = new FeedScheduler(context.store, (name, outcome) =>
        context.notice(`feed ${name}: ${outcome.error ?? `${outcome.indicators} indicators`}`),
      );
      feeds.start();
      return feeds;
    },
    stop: (feeds) => feeds.stop(),
  }),
  service({
    name: "playbooks",
    where: ["embedded", "worker"],
    async start(context) {
      const { startPlaybookWorker } = await import("../playbooks/worker.js");
      const { prestartPlaybookActions } = await import("../playbooks/prestart.js");
      prestartPlaybookActions(context.store).catch((error: unknown) =>
        context.notice(`playbooks: warming their actions: ${(error as Error).message}`),
      );
      return startPlaybookWorker(context.store, {
        onStep: ({ runId, stepId, status }) => context.notice(`playbook run ${runId} step ${stepId}: ${status}`),
        onError: (error) => context.notice(`playbooks: ${(error as Error).message}`),
      });
    },
    stop: (playbooks) => playbooks.stop(),
  }),
  service({
    name: "schedule",
    where: ["embedded", "leader"],
    // Embedded: every enabled connector on its interval and the scheduled jobs; the leader: the jobs only.
    async start(context) {
      const scheduler = context.shared.scheduler ?? (await makeScheduler(context));
      await scheduler.start();
      return scheduler;
    },
    stop: (scheduler) => scheduler.stop(),
  }),
  service({
    name: "connector runs",
    where: ["worker"],
    async start(context) {
      const { startRunTaker } = await import("../workers/runs.js");
      const { options } = context;
      const boss = needs(context.shared.queue, "queue").boss;
      context.shared.runs = startRunTaker(context.store, boss, needs(context.shared.registration, "worker registration"), {
        concurrency: needs(options.concurrency, "concurrency"),
        ...(options.graceSeconds !== undefined ? { graceSeconds: options.graceSeconds } : {}),
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        ...(options.onRun ? { onRun: options.onRun } : {}),
        ...(options.onLog ? { onLog: options.onLog } : {}),
        notice: (message) => context.notice(message),
        stopping: context.stopping,
      });
      return context.shared.runs;
    },
    stop: (runs) => runs.stop(),
  }),
  service({
    name: "leader lock",
    where: ["worker"],
    // Tried on each tick of the schedule below; held, it starts the rows marked "leader".
    async start(context) {
      const { startLeaderDuties } = await import("../workers/leader.js");
      context.shared.leader = startLeaderDuties(
        context.store,
        (message) => context.notice(message),
        async () => {
          const duties = new ServiceStack((message) => context.notice(message));
          await duties.start(servicesFor("leader"), { ...context, where: "leader", stopping: duties.stopping, shared: {} });
          return () => duties.stop();
        },
      );
      return context.shared.leader;
    },
    stop: (leader) => leader.stop(),
  }),
  service({
    name: "push watches",
    where: ["worker"],
    async start(context) {
      const { startWatcherPool } = await import("../workers/watchers.js");
      const { onLog } = context.options;
      context.shared.watchers = startWatcherPool(context.store, needs(context.shared.queue, "queue").boss, onLog ? { onLog } : {});
      return context.shared.watchers;
    },
    stop: (watchers) => watchers.stop(),
  }),
  service({
    name: "queue schedule",
    where: ["worker"],
    // Every worker sends each connector's next iteration (pg-boss drops the duplicates), and tries the push
    // watches and the leader lock no live worker holds.
    async start(context) {
      const { sendDueRuns } = await import("../workers/schedule.js");
      const boss = needs(context.shared.queue, "queue").boss;
      const watchers = needs(context.shared.watchers, "push watches");
      const leader = needs(context.shared.leader, "leader lock");
      let ticking: Promise<void> | undefined;
      const tick = () => {
        if (context.stopping.aborted || ticking) return;
        ticking = (async () => {
          try {
            await sendDueRuns(context.store, boss);
            await watchers.refresh();
            await leader.refresh();
          } catch (error) {
            context.notice(`schedule: ${(error as Error).message}`);
          }
        })().finally(() => (ticking = undefined));
      };
      tick();
      const ticker = setInterval(tick, context.options.tickMs ?? DEFAULT_TICK_MS);
      // No new tick once the stop begins: the rows above stop with nothing sent or taken after them.
      context.stopping.addEventListener("abort", () => clearInterval(ticker), { once: true });
      return {
        async stop() {
          clearInterval(ticker);
          await ticking;
        },
      };
    },
    stop: (schedule) => schedule.stop(),
  }),
];

const DEFAULT_TICK_MS = 5_000;

/** The rows that run in `where`, in table order. */
export function servicesFor(where: ServiceWhere): Startable<ServiceContext>[] {
  return SERVICES.filter((row) => row.where.includes(where));
}

/** One row by name (serve in queue mode starts the queue alone, to send the console's runs to the workers). */
export function serviceNamed(name: string): Startable<ServiceContext> {
  const found = SERVICES.find((row) => row.name === name);
  if (!found) throw new Error(`services: no service "${name}"`);
  return found;
}
