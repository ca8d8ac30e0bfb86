// Queue mode's workers for the console: each `intake worker` process with its heartbeat, runs under way and state.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../../platform/store/index.js";
import { LOST_AFTER_MS, listWorkers } from "../../platform/workers/registry.js";
import { errors } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export function registerWorkerRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get(
    "/workers",
    {
      onRequest: session,
      schema: {
        tags: ["workers"],
        summary: "Queue mode's worker processes, newest first: alive, stopped (drained and left) or lost (no heartbeat within lostAfterMs)",
        response: errors,
      },
    },
    async () => ({ workers: await listWorkers(store), lostAfterMs: LOST_AFTER_MS }),
  );
}
