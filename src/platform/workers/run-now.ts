// "Run once" and Test from the console in queue mode: serve sends the run to the workers through pg-boss and
// waits for the worker that takes it to complete the job with what embedded mode would have answered (the
// run's summary and log), or with the error it would have thrown.
import type PgBoss from "pg-boss";
import type { LogEntry } from "../../sdk/execution.js";
import { resolveConnector } from "../catalog/index.js";
import { IntakeError, QueueNoWorker, QueueRunLost, RunFailed } from "../errors.js";
import { CONNECTOR_RUN_NOW_QUEUE } from "../queue/pgboss.js";
import type { RunSummary } from "../runner/index.js";
import type { Store } from "../store/index.js";

export interface RunNowJob {
  connector: string;
  test: boolean;
  /** Unix ms: a worker that takes the job later leaves it (serve has answered QUEUE_NO_WORKER by then). */
  takeBy: number;
}

/** What the routes answer: the run's summary and its log. */
export type RunNowResult = RunSummary & { logs: LogEntry[] };

/** The job's output: the result, or the catalog error the run threw (RUN_IN_PROGRESS, CONNECTOR_NOT_FOUND…). */
export type RunNowOutput = { result: RunNowResult } | { error: { code: string; message: string } } | { skipped: string };

/** How long serve waits for a worker to take the run: $INTAKE_QUEUE_WAIT_SECONDS, else this. */
export const DEFAULT_WAIT_SECONDS = 30;
/** Beyond the connector's own timeout, once taken: its process prepared (dependencies), ingest, the polls. */
const ANSWER_MARGIN_SECONDS = 60;
/** A job still waiting this long after its takeBy was taken by no worker (a worker checks takeBy after taking it). */
const TAKE_GRACE_MS = 1_000;
const DEFAULT_POLL_MS = 250;

export function configuredWaitSeconds(): number {
  const seconds = Number(process.env.INTAKE_QUEUE_WAIT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_WAIT_SECONDS;
}

/**
 * Runs a connector once (or tests it) on a worker and returns its summary and log; throws what the run threw,
 * QUEUE_NO_WORKER when no worker took it within the wait (the job is then withdrawn), QUEUE_RUN_LOST when
 * the worker that took it gave no result within the connector's timeout and a margin.
 */
export async function runOnWorker(
  store: Store,
  boss: PgBoss,
  name: string,
  test: boolean,
  options: { waitSeconds?: number; pollMs?: number } = {},
): Promise<RunNowResult> {
  // An unknown or unreadable connector answers as in embedded mode, without waiting for a worker.
  const { instance, definition } = await resolveConnector(store, name);
  const waitSeconds = options.waitSeconds ?? configuredWaitSeconds();
  const answerSeconds = definition.timeoutSeconds + ANSWER_MARGIN_SECONDS;
  const takeBy = Date.now() + waitSeconds * 1000;
  const job: RunNowJob = { connector: instance.name, test, takeBy };
  const id = await boss.send(CONNECTOR_RUN_NOW_QUEUE, job, { retryLimit: 0, expireInSeconds: answerSeconds });
  if (!id) throw new RunFailed(`the queue did not take the run of connector "${instance.name}"`);
  let takenAt: number | undefined;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? DEFAULT_POLL_MS));
    const late = Date.now() > takeBy + TAKE_GRACE_MS;
    const found = await boss.getJobById<RunNowJob>(CONNECTOR_RUN_NOW_QUEUE, id, { includeArchive: true });
    const output = (found?.output ?? null) as Partial<{ result: RunNowResult; error: { code: string; message: string } }> | null;
    if (found?.state === "completed" && output?.result) return output.result;
    if (found?.state === "failed" && output?.error?.code) throw new IntakeError(output.error.code, output.error.message);
    if (!found || found.state === "completed" || found.state === "failed" || found.state === "cancelled") {
      // Gone, skipped, or failed by pg-boss itself (expired while active).
      throw takenAt === undefined && !found?.startedOn
        ? new QueueNoWorker(instance.name, waitSeconds)
        : new QueueRunLost(instance.name, answerSeconds);
    }
    if (found.state === "active") takenAt ??= Date.now();
    if (takenAt === undefined && late) {
      await boss.cancel(CONNECTOR_RUN_NOW_QUEUE, id).catch(() => undefined);
      throw new QueueNoWorker(instance.name, waitSeconds);
    }
    if (takenAt !== undefined && Date.now() > takenAt + answerSeconds * 1000) throw new QueueRunLost(instance.name, answerSeconds);
  }
}
