// The overview: cases per day by priority, top sender and URL domains, top reporters, connector health.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Store } from "../../platform/store/index.js";
import { overview, OVERVIEW_DAYS } from "../../platform/overview/index.js";
import { errors } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export function registerOverviewRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get<{ Querystring: { days?: number } }>(
    "/overview",
    {
      onRequest: session,
      schema: {
        tags: ["overview"],
        summary: "Counts for the overview charts",
        querystring: { type: "object", properties: { days: { type: "integer", minimum: 1, maximum: 365 } }, additionalProperties: false },
        response: errors,
      },
    },
    async (request) => overview(store, request.query.days ?? OVERVIEW_DAYS),
  );
}
