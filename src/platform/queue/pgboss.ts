// Queue mode's queue: one pg-boss on the store's PostgreSQL (in its own schema), and the connector-run queues.
import PgBoss from "pg-boss";
import { QueueNeedsPostgres, QueueStart } from "../errors.js";
import type { Store } from "../store/index.js";

/** pg-boss's tables live apart from the store's own, in this schema of the same database. */
export const PGBOSS_SCHEMA = "pgboss";
/** Connector iterations, interval and push alike: the worker of any machine takes the next one due. */
export const CONNECTOR_RUN_QUEUE = "connector-run";

/** "Run once" and Test from the console: serve sends one, a worker runs it and completes the job with its result. */
export const CONNECTOR_RUN_NOW_QUEUE = "connector-run-now";

export interface ConnectorRunJob {
  connectorId: number;
  connector: string;
  /** Why the run was asked for: its interval came due, or its push watch saw new mail. */
  reason: "interval" | "push";
}

/** The singleton key of a connector's job: one waiting per connector and reason, a second send is dropped. */
export function connectorRunKey(connectorId: number, reason: ConnectorRunJob["reason"]): string {
  return `${reason}:${connectorId}`;
}

export interface QueueConnection {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * Starts pg-boss on the store's database and makes sure the connector-run queues exist (creating them is
 * idempotent: every worker does it at start, whichever comes first). Its errors (a connection lost while
 * PostgreSQL restarts) are reported, never thrown: its pool reconnects by itself.
 */
export async function startQueue(store: Store, options: { onError?: (error: Error) => void } = {}): Promise<QueueConnection> {
  if (store.dialect !== "postgres") throw new QueueNeedsPostgres(store.url);
  const boss = new PgBoss({
    connectionString: store.url,
    schema: PGBOSS_SCHEMA,
    application_name: "intake queue",
    max: 4,
    // No cron schedules: each worker sends the next iteration of each connector itself (see workers/).
    schedule: false,
  });
  boss.on("error", (error) => options.onError?.(error));
  try {
    await boss.start();
    // "short": at most one job waiting per singleton key, so every worker may send a connector's next
    // iteration and the duplicates are dropped. Not "singleton"/"stately": those forbid a second job of a
    // key being taken while one is active, and pg-boss's fetch then fails as a whole (every connector's job
    // waits behind the one blocked). One run at a time per connector is the run lock's guarantee instead.
    await boss.createQueue(CONNECTOR_RUN_QUEUE, { name: CONNECTOR_RUN_QUEUE, policy: "short", retryLimit: 0 });
    // Every click is its own job: no singleton (the run lock answers RUN_IN_PROGRESS as in embedded mode).
    await boss.createQueue(CONNECTOR_RUN_NOW_QUEUE, { name: CONNECTOR_RUN_NOW_QUEUE, policy: "standard", retryLimit: 0 });
  } catch (error) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw new QueueStart((error as Error).message);
  }
  return {
    boss,
    async stop() {
      await boss.stop({ graceful: false, wait: true, close: true });
    },
  };
}
