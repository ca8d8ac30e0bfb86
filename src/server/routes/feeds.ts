// Threat-intel feeds: list (any user), add or change (admin), set a feed's reliability (admin), refresh one now.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { addFeed, FEED_FORMATS, feedFormatChoices, listFeeds, refreshFeed, setFeed } from "../../platform/intel/index.js";
import { SOURCE_RELIABILITIES } from "../../sdk/intel.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errors, nameParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export function registerFeedRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get(
    "/feeds",
    {
      onRequest: session,
      schema: {
        tags: ["feeds"],
        summary: "The threat-intel feeds: format, source, reliability (A–F), indicators, last refresh, last error",
        response: errors,
      },
    },
    async () => listFeeds(store),
  );

  api.post<{ Body: { name: string; format: string; source: string; intervalSeconds?: number; reliability?: string } }>(
    "/feeds",
    {
      onRequest: [session, requireAdmin],
      schema: {
        tags: ["feeds"],
        summary: "Add a feed, or change the one of this name (admin)",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["name", "format", "source"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 100 },
            format: { type: "string", enum: [...FEED_FORMATS], description: feedFormatChoices() },
            source: { type: "string", minLength: 1, maxLength: 4000 },
            intervalSeconds: { type: "integer", minimum: 60, maximum: 604_800 },
            // Checked by addFeed, whose FEED_INVALID names the value and the scale.
            reliability: { type: "string", maxLength: 100 },
          },
        },
        response: errors,
      },
    },
    async (request) => addFeed(store, request.body),
  );

  api.patch<{ Params: { name: string }; Body: { reliability?: string } }>(
    "/feeds/:name",
    {
      onRequest: [session, requireAdmin],
      schema: {
        tags: ["feeds"],
        summary: `Change a feed's reliability (admin): ${SOURCE_RELIABILITIES.join(", ")}`,
        params: nameParams,
        body: { type: "object", additionalProperties: false, properties: { reliability: { type: "string", maxLength: 100 } } },
        response: errors,
      },
    },
    async (request) => setFeed(store, request.params.name, request.body),
  );

  api.post<{ Params: { name: string } }>(
    "/feeds/:name/refresh",
    {
      onRequest: session,
      schema: {
        tags: ["feeds"],
        summary: "Read the feed now; a file it cannot read leaves its indicators as they were (FEED_REFRESH)",
        params: nameParams,
        response: errors,
      },
    },
    async (request) => (await refreshFeed(store, request.params.name)).feed,
  );
}
