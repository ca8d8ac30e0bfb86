// A worker's connector runs: iterations, and "Run once" and Test from the console, taken from pg-boss (at most
// `concurrency` at once), and their drain when the worker stops.
import type PgBoss from "pg-boss";
import type { LogEntry } from "../../sdk/execution.js";
import { IntakeError, RunFailed, RunInProgress } from "../errors.js";
import { CONNECTOR_RUN_NOW_QUEUE, CONNECTOR_RUN_QUEUE, type ConnectorRunJob } from "../queue/pgboss.js";
import { RunLog, runConnector, type RunSummary } from "../runner/index.js";
import { finishedWithin } from "../services/stack.js";
import type { Store } from "../store/index.js";
import type { Registration } from "./registry.js";
import type { RunNowJob, RunNowOutput } from "./run-now.js";
import { sendConnectorRun } from "./schedule.js";

export interface RunTakerOptions {
  /** Runs at once in this worker. */
  concurrency: number;
  /** How long a drain waits for the runs under way before it stops them (their batch left unacknowledged). */
  graceSeconds?: number;
  /** How often the queue is asked for work when it had none (ms). */
  pollMs?: number;
  onRun?: (connector: string, summary: RunSummary) => void;
  onLog?: (connector: string, entry: LogEntry) => void;
  notice: (message: string) => void;
  /** Aborted when the worker begins to stop: from then on nothing new is taken. */
  stopping: AbortSignal;
}

export interface RunTaker {
  /** Runs under way now. */
  active(): number;
  /** Takes nothing new, waits for the runs under way up to the grace period, then stops them. */
  stop(): Promise<void>;
}

const DEFAULT_GRACE_SECONDS = 30;
const DEFAULT_POLL_MS = 1_000;
/** A push run asked for while the connector runs is asked again this much later: the run under way may have missed its mail. */
const PUSH_RETRY_MS = 2_000;

export function startRunTaker(store: Store, boss: PgBoss, registration: Registration, options: RunTakerOptions): RunTaker {
  const { notice } = options;
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let draining = false;
  let wake: (() => void) | undefined;
  const drain = () => {
    draining = true;
    wake?.();
  };
  if (options.stopping.aborted) drain();
  else options.stopping.addEventListener("abort", drain, { once: true });

  const runJob = async (job: PgBoss.Job<ConnectorRunJob>) => {
    const { reason } = job.data;
    // Read afresh: the connector may have been disabled, renamed or deleted since the job was sent.
    let row: { name: string; enabled: number } | undefined;
    try {
      row = await store.db.selectFrom("connectors").select(["name", "enabled"]).where("id", "=", job.data.connectorId).executeTakeFirst();
    } catch (error) {
      // The database is away: the schedule asks again once it is back.
      await boss.fail(CONNECTOR_RUN_QUEUE, job.id, { message: (error as Error).message }).catch(() => undefined);
      return;
    }
    if (row?.enabled !== 1) {
      const skipped = row ? "the connector is disabled" : "the connector is gone";
      await boss.complete(CONNECTOR_RUN_QUEUE, job.id, { skipped }).catch(() => undefined);
      return;
    }
    const connector = row.name;
    try {
      const summary = await runConnector(store, connector, {
        workerId: registration.id,
        signal: abort.signal,
        ...(options.onLog ? { onLog: (entry: LogEntry) => options.onLog?.(connector, entry) } : {}),
      });
      options.onRun?.(connector, summary);
      await boss.complete(CONNECTOR_RUN_QUEUE, job.id, { runId: summary.runId, status: summary.status });
    } catch (error) {
      if (error instanceof RunInProgress) {
        // Another worker (or this one) runs it: one run at a time is kept. Push mail that came during
        // that run may be past its fetch, so push asks again shortly; the interval is resent by the schedule.
        if (reason === "push" && !draining) {
          await sendConnectorRun(boss, { ...job.data }, Date.now() + PUSH_RETRY_MS).catch(() => undefined);
        }
        await boss.complete(CONNECTOR_RUN_QUEUE, job.id, { skipped: (error as Error).message }).catch(() => undefined);
        return;
      }
      // The run could not start (its connector deleted, the database gone): the schedule asks again.
      notice(`${connector}: ${(error as Error).message}`);
      await boss.fail(CONNECTOR_RUN_QUEUE, job.id, { message: (error as Error).message }).catch(() => undefined);
    }
  };

  // Run once or Test from the console: serve waits for the job's output, the same summary and log (or
  // the same error) as embedded mode answers.
  const runNowJob = async (job: PgBoss.Job<RunNowJob>) => {
    const { connector, test, takeBy } = job.data;
    if (Date.now() > takeBy) {
      // Serve stopped waiting and answered QUEUE_NO_WORKER: running it now would surprise whoever clicked.
      const output: RunNowOutput = { skipped: "taken after serve stopped waiting" };
      await boss.complete(CONNECTOR_RUN_NOW_QUEUE, job.id, output).catch(() => undefined);
      return;
    }
    const logs = new RunLog();
    try {
      const summary = await runConnector(store, connector, {
        test,
        workerId: registration.id,
        signal: abort.signal,
        onLog: (entry: LogEntry) => {
          logs.add(entry);
          options.onLog?.(connector, entry);
        },
      });
      options.onRun?.(connector, summary);
      await boss.complete(CONNECTOR_RUN_NOW_QUEUE, job.id, { result: { ...summary, logs: logs.list() } } satisfies RunNowOutput);
    } catch (error) {
      const thrown = error instanceof IntakeError ? error : new RunFailed((error as Error).message);
      await boss.fail(CONNECTOR_RUN_NOW_QUEUE, job.id, { error: thrown.toJSON() } satisfies RunNowOutput).catch(() => undefined);
    }
  };

  const track = (work: Promise<void>) => {
    running.add(work);
    registration.setRunsActive(running.size);
    void work.finally(() => {
      running.delete(work);
      registration.setRunsActive(running.size);
      wake?.();
    });
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  // Takes jobs while there is room: pg-boss hands each job to one worker only.
  const dispatch = (async () => {
    while (!draining) {
      const room = options.concurrency - running.size;
      if (room <= 0) {
        await sleep(options.pollMs ?? DEFAULT_POLL_MS);
        continue;
      }
      // The console's runs first: someone waits for them.
      let asked: PgBoss.Job<RunNowJob>[] = [];
      let jobs: PgBoss.Job<ConnectorRunJob>[] = [];
      try {
        asked = await boss.fetch<RunNowJob>(CONNECTOR_RUN_NOW_QUEUE, { batchSize: room });
        if (room > asked.length) jobs = await boss.fetch<ConnectorRunJob>(CONNECTOR_RUN_QUEUE, { batchSize: room - asked.length });
      } catch (error) {
        notice(`queue: ${(error as Error).message}`);
      }
      if (draining) {
        // Taken just as the drain began: left to expire would delay nobody (the schedule resends), but
        // completing them at once keeps the queue honest; serve answers the console's runs with the reason.
        const skipped = { skipped: "the worker was stopping" };
        for (const job of jobs) await boss.complete(CONNECTOR_RUN_QUEUE, job.id, skipped).catch(() => undefined);
        const refused: RunNowOutput = { error: new RunFailed("the worker that took the run was stopping; try again").toJSON() };
        for (const job of asked) await boss.fail(CONNECTOR_RUN_NOW_QUEUE, job.id, refused).catch(() => undefined);
        break;
      }
      for (const job of asked) track(runNowJob(job));
      for (const job of jobs) track(runJob(job));
      if (asked.length + jobs.length === 0) await sleep(options.pollMs ?? DEFAULT_POLL_MS);
    }
  })();

  return {
    active: () => running.size,
    async stop() {
      drain();
      await dispatch;
      const grace = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      if (!(await finishedWithin([...running], grace))) {
        const stopped = `stopping ${running.size} run(s); their batch is not acknowledged and will be read again`;
        notice(`grace period of ${grace / 1000} s over: ${stopped}`);
        abort.abort();
        await Promise.allSettled([...running]);
      }
    },
  };
}
