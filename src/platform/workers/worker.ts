// An `intake worker` process's work, composed from the services table (services/index.ts) rows marked "worker":
// connector iterations, and "Run once" and Test from the console, taken from pg-boss (at most `concurrency` at once),
// the schedule of the next iterations, push watches, playbook steps and the outbox, and, on the one leader, scheduled
// jobs and feed refreshes; and its drain on stop.
import type { LogEntry } from "../../sdk/execution.js";
import type { RunSummary } from "../runner/index.js";
import { servicesFor, ServiceStack, type ServiceContext, type SharedServices } from "../services/index.js";
import type { Store } from "../store/index.js";

export interface WorkerOptions {
  /** Runs at once in this worker. */
  concurrency: number;
  /** How long a drain waits for the runs under way before it stops them (their batch left unacknowledged). */
  graceSeconds?: number;
  /** How often the schedule is sent and the push watches are tried (ms). */
  tickMs?: number;
  /** How often the queue is asked for work when it had none (ms). */
  pollMs?: number;
  onRun?: (connector: string, summary: RunSummary) => void;
  onLog?: (connector: string, entry: LogEntry) => void;
  /** A line for the worker's own log (not a connector's). */
  onNotice?: (message: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  /** Runs under way now. */
  active(): number;
  /** Connectors whose push watch this worker holds. */
  watching(): string[];
  /** Drains: takes nothing new, waits for the runs under way up to the grace period, then stops them. */
  stop(): Promise<void>;
}

export async function startWorker(store: Store, options: WorkerOptions): Promise<RunningWorker> {
  const { onNotice, ...serviceOptions } = options;
  const notice = (message: string) => onNotice?.(message);
  const services = new ServiceStack(notice);
  const shared: SharedServices = {};
  const context: ServiceContext = { where: "worker", store, options: serviceOptions, notice, stopping: services.stopping, shared };
  await services.start(servicesFor("worker"), context);
  const { registration, runs, watchers } = shared;
  if (!registration || !runs || !watchers) {
    await services.stop();
    throw new Error("services: the worker's rows of the table have no registration, runs or push watches");
  }
  return {
    id: registration.id,
    active: () => runs.active(),
    watching: () => watchers.held(),
    stop: () => services.stop(),
  };
}
