// Actions, jobs and integration parameters: an integration's settings (admin), a case's action runs, running
// an action on a case by hand (recorded with the analyst's name), the IDE's Play of an action (stores
// nothing), the scheduled jobs and running a job now (admin).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { listActionRuns, runAction } from "../../platform/actions/index.js";
import { configureIntegration } from "../../platform/catalog/index.js";
import { listScheduledJobs, runJob } from "../../platform/jobs/index.js";
import { listMailboxMoves } from "../../platform/mailbox-moves/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errorSchema, errors, idParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const slugParams = { type: "object", properties: { slug: { type: "string", minLength: 1, maxLength: 200 } }, required: ["slug"] } as const;
const parametersObject = { type: "object", maxProperties: 200 } as const;
const actionFields = {
  integration: { type: "string", minLength: 1, maxLength: 200 },
  action: { type: "string", minLength: 1, maxLength: 200 },
  params: parametersObject,
} as const;
const actionErrors = { ...errors, 409: errorSchema } as const;

interface ActionBody {
  integration: string;
  action: string;
  params?: Record<string, unknown>;
}

export function registerActionRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  const admin = [session, requireAdmin];

  api.put<{ Params: { slug: string }; Body: { parameters: Record<string, unknown> } }>(
    "/integrations/:slug/settings",
    {
      onRequest: admin,
      schema: {
        tags: ["integrations"],
        summary:
          "Set an integration's own parameters (admin); a password left out or empty keeps its stored value, and none is ever shown back",
        params: slugParams,
        body: { type: "object", properties: { parameters: parametersObject }, required: ["parameters"], additionalProperties: false },
        response: errors,
      },
    },
    async (request) => {
      const { integration, settings } = await configureIntegration(store, request.params.slug, request.body.parameters);
      return { integration: integration.name, slug: integration.slug, settings };
    },
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/actions",
    {
      onRequest: session,
      schema: {
        tags: ["actions"],
        summary: "The action runs of a case, newest first (parameters with secrets masked, result, entity updates, insights, logs)",
        params: idParams,
        response: errors,
      },
    },
    async (request) => ({ actionRuns: await listActionRuns(store, request.params.id) }),
  );

  api.post<{ Params: { id: number }; Body: ActionBody }>(
    "/cases/:id/actions",
    {
      onRequest: session,
      schema: {
        tags: ["actions"],
        summary:
          "Run an action on the case by hand, recorded with the signed-in user's name; a failed action is an outcome (200), not an error",
        params: idParams,
        body: { type: "object", properties: actionFields, required: ["integration", "action"], additionalProperties: false },
        response: actionErrors,
      },
    },
    async (request) =>
      runAction(store, {
        ...request.body,
        caseId: request.params.id,
        actor: request.user!.name,
        actorRole: request.user!.role === "admin" ? "admin" : "analyst",
      }),
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/mailbox-moves",
    {
      onRequest: session,
      schema: {
        tags: ["actions"],
        summary:
          "The case's mail moved to staff mailboxes' quarantine and back (Purge Email, Restore Email), oldest first: " +
          "mailbox, folder, UIDs, Message-ID, state, when, which action run",
        params: idParams,
        response: errors,
      },
    },
    async (request) => ({ moves: await listMailboxMoves(store, request.params.id) }),
  );

  api.get(
    "/jobs",
    {
      onRequest: session,
      schema: {
        tags: ["jobs"],
        summary: "The jobs with settings (scheduled, or run by hand), parameters with secrets masked, and their last run",
        response: errors,
      },
    },
    async () => ({ jobs: await listScheduledJobs(store) }),
  );

  api.post<{ Body: { integration: string; job: string; test?: boolean } }>(
    "/jobs/run",
    {
      onRequest: admin,
      schema: {
        tags: ["jobs"],
        summary:
          "Run a job now (admin) with its scheduled parameters; test: its context is not saved (the IDE's Play of a job). " +
          "A failed run is an outcome (200)",
        body: {
          type: "object",
          properties: {
            integration: actionFields.integration,
            job: { type: "string", minLength: 1, maxLength: 200 },
            test: { type: "boolean" },
          },
          required: ["integration", "job"],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request) => runJob(store, request.body),
  );
}
