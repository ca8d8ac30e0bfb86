// Playbooks: list, read, save (validated; 400 lists every problem), delete; a case's runs; approvals.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireCase } from "../../platform/cases/index.js";
import { Validation } from "../../platform/errors.js";
import {
  configurePlaybook,
  decideApproval,
  deletePlaybook,
  getPlaybook,
  listCaseRuns,
  listPlaybooks,
  PlaybookInvalidError,
  savePlaybook,
} from "../../platform/playbooks/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errors, errorSchema, idParams, nameParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export function registerPlaybookRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  const admin = [session, requireAdmin];

  api.get(
    "/playbooks",
    { onRequest: session, schema: { tags: ["playbooks"], summary: "Every playbook: name, trigger, steps, on or off", response: errors } },
    async () => listPlaybooks(store),
  );

  api.get<{ Params: { name: string } }>(
    "/playbooks/:name",
    {
      onRequest: session,
      schema: { tags: ["playbooks"], summary: "A playbook's document and configured parameters", params: nameParams, response: errors },
    },
    async (request) => getPlaybook(store, request.params.name),
  );

  api.put<{ Params: { name: string }; Body: Record<string, unknown> }>(
    "/playbooks/:name",
    {
      onRequest: admin,
      schema: {
        tags: ["playbooks"],
        summary: "Save a playbook (admin); refused with every problem named in `problems`",
        params: nameParams,
        body: { type: "object" },
        response: {
          ...errors,
          400: { type: "object", properties: { ...errorSchema.properties, problems: { type: "array", items: { type: "string" } } } },
        },
      },
    },
    async (request, reply) => {
      const document = { ...request.body, name: request.body.name ?? request.params.name };
      if (document.name !== request.params.name)
        throw new Validation(`body/name "${String(document.name)}" is not the playbook of the path, "${request.params.name}"`);
      try {
        return await savePlaybook(store, document);
      } catch (error) {
        if (!(error instanceof PlaybookInvalidError)) throw error;
        return reply.status(error.status).send({ error: error.toJSON(), problems: error.problems });
      }
    },
  );

  api.put<{ Params: { name: string }; Body: { parameters: Record<string, unknown> } }>(
    "/playbooks/:name/parameters",
    {
      onRequest: admin,
      schema: {
        tags: ["playbooks"],
        summary:
          "Set the playbook's own parameters (admin), as `intake playbook configure`: " +
          "the whole configuration (a password left out keeps its value); " +
          "400 PARAM_INVALID names each problem, a requiredWhen condition included",
        params: nameParams,
        body: { type: "object", additionalProperties: false, required: ["parameters"], properties: { parameters: { type: "object" } } },
        response: errors,
      },
    },
    async (request) => configurePlaybook(store, request.params.name, request.body.parameters),
  );

  api.delete<{ Params: { name: string } }>(
    "/playbooks/:name",
    {
      onRequest: admin,
      schema: {
        tags: ["playbooks"],
        summary: "Delete a playbook (admin); its runs stay on their cases",
        params: nameParams,
        response: errors,
      },
    },
    async (request) => {
      await deletePlaybook(store, request.params.name);
      return { deleted: request.params.name };
    },
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/playbook-runs",
    {
      onRequest: session,
      schema: {
        tags: ["playbooks"],
        summary: "A case's playbook runs, newest first, with their steps (inputs, status, results, logs, times, approvals)",
        params: idParams,
        response: errors,
      },
    },
    async (request) => {
      await requireCase(store, request.params.id);
      return listCaseRuns(store, request.params.id);
    },
  );

  api.post<{ Params: { run: number; step: string }; Body: { decision: "approve" | "reject"; comment?: string } }>(
    "/playbook-runs/:run/steps/:step/approval",
    {
      onRequest: session,
      schema: {
        tags: ["playbooks"],
        summary: "Approve or reject a step waiting for approval; recorded with who and when",
        params: {
          type: "object",
          properties: { run: { type: "integer", minimum: 1 }, step: { type: "string", minLength: 1, maxLength: 64 } },
          required: ["run", "step"],
        },
        body: {
          type: "object",
          properties: { decision: { type: "string", enum: ["approve", "reject"] }, comment: { type: "string", maxLength: 2000 } },
          required: ["decision"],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request) =>
      decideApproval(store, request.params.run, request.params.step, request.body.decision, request.user!.name, request.body.comment),
  );
}
