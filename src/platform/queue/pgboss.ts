// Queue mode's queue: one pg-boss on the store's PostgreSQL (in its own schema), and the connector-run queues.
import pg from "pg";
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
  let boss: PgBoss | undefined;
  try {
    await startedOneAtATime(store.url, async () => {
      // A fresh instance each try: a PgBoss whose start failed stays "starting" and would not start again.
      await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
      boss = new PgBoss({
        connectionString: store.url,
        schema: PGBOSS_SCHEMA,
        application_name: "intake queue",
        max: 4,
        // No cron schedules: each worker sends the next iteration of each connector itself (see workers/).
        schedule: false,
      });
      boss.on("error", (error) => options.onError?.(error));
      await startBoss(boss);
    });
  } catch (error) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw new QueueStart((error as Error).message);
  }
  const started = boss!;
  return {
    boss: started,
    async stop() {
      await started.stop({ graceful: false, wait: true, close: true });
    },
  };
}

/** The session advisory lock under which one process at a time installs or opens pg-boss's schema and queues. */
const START_LOCK = "intake:pgboss-start";
/** Tries of a start that PostgreSQL ended as a deadlock victim (40P01), which a retry resolves. */
const START_TRIES = 5;

/**
 * Runs `start` holding a session advisory lock of the database, retrying a deadlock: serve and workers started
 * together (systemd at boot, a compose file) each install pg-boss's schema at once, and PostgreSQL ended one of them
 * with "deadlock detected" (1 start in 3 with two workers and serve), leaving that worker dead.
 */
async function startedOneAtATime(url: string, start: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: "intake queue start" });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [START_LOCK]);
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "40P01" || attempt >= START_TRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
      }
    }
  } finally {
    await client.query("select pg_advisory_unlock(hashtext($1))", [START_LOCK]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

async function startBoss(boss: PgBoss): Promise<void> {
  await boss.start();
  // "short": at most one job waiting per singleton key, so every worker may send a connector's next
  // iteration and the duplicates are dropped. Not "singleton"/"stately": those forbid a second job of a
  // key being taken while one is active, and pg-boss's fetch then fails as a whole (every connector's job
  // waits behind the one blocked). One run at a time per connector is the run lock's guarantee instead.
  await boss.createQueue(CONNECTOR_RUN_QUEUE, { name: CONNECTOR_RUN_QUEUE, policy: "short", retryLimit: 0 });
  // Every click is its own job: no singleton (the run lock answers RUN_IN_PROGRESS as in embedded mode).
  await boss.createQueue(CONNECTOR_RUN_NOW_QUEUE, { name: CONNECTOR_RUN_NOW_QUEUE, policy: "standard", retryLimit: 0 });
}
