// Who asks for each connector's next iteration in queue mode: every worker, on its tick, for every enabled
// connector. pg-boss keeps one waiting job per connector, so the other workers' sends are dropped and no
// single process is needed for the schedule to go on.
import type PgBoss from "pg-boss";
import { listConnectors } from "../catalog/index.js";
import { CONNECTOR_RUN_QUEUE, connectorRunKey, type ConnectorRunJob } from "../queue/pgboss.js";
import type { Store } from "../store/index.js";

/** Longer than any run may take (a connector's timeout is at most an hour): a job active past it was lost. */
const RUN_JOB_EXPIRE_SECONDS = 2 * 60 * 60;

/**
 * Sends, for each enabled connector, its next interval iteration: due one interval after its last run
 * ended (or, while one is under way or was cut short, after it started), at once when it never ran.
 * Returns how many jobs were new.
 */
export async function sendDueRuns(store: Store, boss: PgBoss, now: number = Date.now()): Promise<number> {
  const connectors = (await listConnectors(store)).filter((connector) => connector.enabled);
  if (connectors.length === 0) return 0;
  const last = await store.db
    .selectFrom("runs")
    .select(["connector_id", (eb) => eb.fn.max("started_at").as("started_at"), (eb) => eb.fn.max("finished_at").as("finished_at")])
    .where("is_test", "=", 0)
    .where(
      "connector_id",
      "in",
      connectors.map((connector) => connector.id),
    )
    .groupBy("connector_id")
    .execute();
  const lastBy = new Map(last.map((row) => [row.connector_id, row]));
  let sent = 0;
  for (const connector of connectors) {
    const row = lastBy.get(connector.id);
    // A run under way has no finished_at newer than its start: its interval counts from its start, so
    // that a run left `running` by a worker that died is taken over one interval later at the latest.
    const from = row ? Math.max(Number(row.started_at ?? 0), Number(row.finished_at ?? 0)) : 0;
    const due = Math.max(now, from + connector.intervalSeconds * 1000);
    const id = await sendConnectorRun(boss, { connectorId: connector.id, connector: connector.name, reason: "interval" }, due);
    if (id) sent++;
  }
  return sent;
}

/** One iteration of a connector, not before `startAfter` (Unix ms); null when one of this reason already waits. */
export function sendConnectorRun(boss: PgBoss, job: ConnectorRunJob, startAfter: number = Date.now()): Promise<string | null> {
  return boss.send(CONNECTOR_RUN_QUEUE, job, {
    singletonKey: connectorRunKey(job.connectorId, job.reason),
    startAfter: new Date(startAfter),
    retryLimit: 0,
    expireInSeconds: RUN_JOB_EXPIRE_SECONDS,
  });
}
