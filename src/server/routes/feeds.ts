// Threat-intel feeds: list (any user), add or change (admin), refresh one now.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { addFeed, FEED_FORMATS, listFeeds, refreshFeed } from "../../platform/intel/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errors, nameParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export function registerFeedRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get("/feeds", {
    onRequest: session, schema: { tags: ["feeds"], summary: "The threat-intel feeds: format, source, indicators, last refresh, last error", response: errors },
  }, async () => listFeeds(store));

  api.post<{ Body: { name: string; format: string; source: string; intervalSeconds?: number } }>("/feeds", {
    onRequest: [session, requireAdmin],
    schema: {
      tags: ["feeds"], summary: "Add a feed, or change the one of this name (admin)",
      body: {
        type: "object", additionalProperties: false, required: ["name", "format", "source"],
        properties: {
          name: { type: "string", minLength: 1, maxLength: 100 }, format: { type: "string", enum: [...FEED_FORMATS] },
          source: { type: "string", minLength: 1, maxLength: 4000 }, intervalSeconds: { type: "integer", minimum: 60, maximum: 604_800 },
        },
      },
      response: errors,
    },
  }, async (request) => addFeed(store, request.body));

  api.post<{ Params: { name: string } }>("/feeds/:name/refresh", {
    onRequest: session, schema: { tags: ["feeds"], summary: "Read the feed now; a file it cannot read leaves its indicators as they were (FEED_REFRESH)", params: nameParams, response: errors },
  }, async (request) => (await refreshFeed(store, request.params.name)).feed);
}
