// The scheduler of `intake serve`: one ConnectorLoop per enabled connector and one JobLoop per enabled
// scheduled job, kept in step with the database.
import type { LogEntry } from "../../sdk/execution.js";
import { listConnectors, resolveConnector, wantsPush } from "../catalog/index.js";
import { ConnectorLoop, type RunSummary } from "../runner/index.js";
import type { Store } from "../store/index.js";
import { JobLoop, type JobOutcome } from "../jobs/index.js";

export interface SchedulerOptions {
  /** false: scheduled jobs only (queue mode's workers take the connectors from the queue). Default true. */
  connectors?: boolean;
  /** How often the set of loops is compared with the connectors table (changes made by the CLI too). */
  refreshSeconds?: number;
  onRun?: (connector: string, summary: RunSummary) => void;
  onLog?: (connector: string, entry: LogEntry) => void;
  onJobRun?: (job: string, outcome: JobOutcome) => void;
}

interface Running {
  loop: ConnectorLoop;
  /** What the loop was started with: a change restarts it. */
  key: string;
}

export class Scheduler {
  readonly #store: Store;
  readonly #options: SchedulerOptions;
  readonly #loops = new Map<string, Running>();
  /** Scheduled jobs by "integration/job", with what they were started with. */
  readonly #jobs = new Map<string, { loop: JobLoop; key: string }>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #refreshing: Promise<void> | undefined;

  constructor(store: Store, options: SchedulerOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), (this.#options.refreshSeconds ?? 10) * 1000);
  }

  /** Names of the connectors being run on their interval. */
  running(): string[] {
    return [...this.#loops.keys()];
  }

  /** Starts loops for newly enabled connectors, stops those disabled or deleted, restarts changed ones. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    if (this.#stopped) return;
    await this.#refreshJobs();
    const wanted = new Map<string, { key: string; interval: number; push: boolean }>();
    for (const instance of this.#options.connectors === false ? [] : await listConnectors(this.#store)) {
      if (!instance.enabled) continue;
      let push = false;
      try {
        push = wantsPush(await resolveConnector(this.#store, instance.name));
      } catch {
        // Its integration is gone: the run records the error on each tick instead.
      }
      wanted.set(instance.name, {
        key: `${instance.intervalSeconds}|${push}|${instance.updatedAt}`,
        interval: instance.intervalSeconds,
        push,
      });
    }
    const stopping: Promise<void>[] = [];
    for (const [name, running] of this.#loops) {
      if (wanted.get(name)?.key !== running.key) {
        this.#loops.delete(name);
        stopping.push(running.loop.stop());
      }
    }
    await Promise.all(stopping);
    if (this.#stopped) return;
    for (const [name, want] of wanted) {
      if (this.#loops.has(name)) continue;
      const loop = new ConnectorLoop(this.#store, name, {
        intervalSeconds: want.interval,
        push: want.push,
        onRun: (summary) => this.#options.onRun?.(name, summary),
        onLog: (entry) => this.#options.onLog?.(name, entry),
      });
      this.#loops.set(name, { loop, key: want.key });
      loop.start();
    }
  }

  async #refreshJobs(): Promise<void> {
    const rows = await this.#store.db
      .selectFrom("job_settings")
      .select(["integration", "job", "interval_seconds", "updated_at"])
      .where("enabled", "=", 1)
      .execute();
    const wanted = new Map(rows.map((row) => [`${row.integration}/${row.job}`, { row, key: `${row.interval_seconds}|${row.updated_at}` }]));
    const stopping: Promise<void>[] = [];
    for (const [name, running] of this.#jobs) {
      if (wanted.get(name)?.key !== running.key) {
        this.#jobs.delete(name);
        stopping.push(running.loop.stop());
      }
    }
    await Promise.all(stopping);
    for (const [name, { row, key }] of wanted) {
      if (this.#jobs.has(name) || this.#stopped) continue;
      const loop = new JobLoop(this.#store, { integration: row.integration, job: row.job }, row.interval_seconds, (outcome) =>
        this.#options.onJobRun?.(name, outcome),
      );
      this.#jobs.set(name, { loop, key });
      loop.start();
    }
  }

  /** Names of the scheduled jobs being run on their interval ("integration/job"). */
  runningJobs(): string[] {
    return [...this.#jobs.keys()];
  }

  /** Stops every loop, waiting for the runs under way to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#refreshing?.catch(() => undefined);
    await Promise.all([...this.#loops.values(), ...this.#jobs.values()].map((running) => running.loop.stop()));
    this.#loops.clear();
    this.#jobs.clear();
  }
}
