// Custom lists triage reads: every user reads them, admins replace a list's entries or reset it to the default.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { getCustomList, listCustomLists, MAX_LIST_ENTRIES, MAX_LIST_ENTRY_LENGTH, saveCustomList } from "../../platform/lists/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errors } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const listParams = { type: "object", properties: { name: { type: "string", minLength: 1, maxLength: 200 } }, required: ["name"] } as const;

export function registerListRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get(
    "/lists",
    {
      onRequest: session,
      schema: {
        tags: ["lists"],
        summary: "The custom lists: entries, and whether an admin edited them (who, when) or the default applies",
        response: errors,
      },
    },
    async () => listCustomLists(store),
  );

  api.get<{ Params: { name: string } }>(
    "/lists/:name",
    {
      onRequest: session,
      schema: {
        tags: ["lists"],
        summary: "One custom list, by name or slug (shared-infrastructure…)",
        params: listParams,
        response: errors,
      },
    },
    async (request) => getCustomList(store, request.params.name),
  );

  api.put<{ Params: { name: string }; Body: { entries: string[] } }>(
    "/lists/:name",
    {
      onRequest: [session, requireAdmin],
      // 10,000 entries of 500 characters do not fit the server's 1 MB; the admin check runs before the body is read.
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ["lists"],
        summary:
          `Replace a list's entries (admin): at most ${MAX_LIST_ENTRIES}, each at most ${MAX_LIST_ENTRY_LENGTH} characters; ` +
          "blanks and # comments dropped",
        params: listParams,
        // Bounds are checked by saveCustomList, whose LIST_INVALID names the entry.
        body: { type: "object", additionalProperties: false, required: ["entries"], properties: { entries: { type: "array" } } },
        response: errors,
      },
    },
    async (request) => saveCustomList(store, request.params.name, request.body.entries, request.user!.name),
  );

  api.delete<{ Params: { name: string } }>(
    "/lists/:name",
    {
      onRequest: [session, requireAdmin],
      schema: {
        tags: ["lists"],
        summary: "Back to the default list the phishing-triage package ships (admin)",
        params: listParams,
        response: errors,
      },
    },
    async (request) => saveCustomList(store, request.params.name, null, request.user!.name),
  );
}
