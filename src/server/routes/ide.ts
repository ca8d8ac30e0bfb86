// The console's IDE (admin only): new integrations with an icon, connector definitions, code saved as
// package versions (problems come back by file, line and column), Play on unsaved code, code history.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { PARAMETER_TYPES, SDK_TYPES } from "../../platform/catalog/index.js";
import { MAX_MAPPED_FIELDS } from "../../platform/catalog/package.js";
import { ENTITY_TYPES } from "../../sdk/entity-types.js";
import {
  CODE_FOLDERS,
  createIntegration,
  getCode,
  getCodeVersion,
  listCodeVersions,
  listEditableIntegrations,
  MAX_CODE_BYTES,
  MAX_ICON_BYTES,
  playAction,
  playConnector,
  playJob,
  saveCode,
  saveDefinition,
  sdkCompletions,
  type ActionDefinitionInput,
  type CodeFolder,
  type ConnectorDefinitionInput,
  type JobDefinitionInput,
} from "../../platform/ide/index.js";
import type { Scheduler } from "../../platform/scheduler/index.js";
import type { Store } from "../../platform/store/index.js";
import { requireAdmin } from "../auth.js";
import { errorSchema, errors } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const diagnosticSchema = {
  type: "object",
  properties: {
    file: { type: ["string", "null"] },
    line: { type: ["integer", "null"] },
    column: { type: ["integer", "null"] },
    message: { type: "string" },
  },
} as const;
const checkErrorSchema = {
  type: "object",
  properties: {
    error: errorSchema.properties.error,
    diagnostics: { type: "array", items: diagnosticSchema },
  },
} as const;
const ideErrors = { ...errors, 409: errorSchema, 422: checkErrorSchema } as const;

const slugParams = {
  type: "object",
  properties: { slug: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,59}$" } },
  required: ["slug"],
} as const;
const connectorParams = {
  type: "object",
  properties: { slug: slugParams.properties.slug, fileBase: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,59}$" } },
  required: ["slug", "fileBase"],
} as const;

const parameterSchema = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    type: { type: "string", enum: [...PARAMETER_TYPES] },
    default: { type: ["string", "number", "boolean"] },
    required: { type: "boolean" },
    description: { type: "string", maxLength: 2000 },
  },
  required: ["name", "type"],
  additionalProperties: false,
} as const;

const definitionSchema = {
  type: "object",
  properties: {
    name: { type: "string", minLength: 1, maxLength: 200 },
    description: { type: "string", maxLength: 5000 },
    parameters: { type: "array", items: parameterSchema, maxItems: 200 },
    productFieldName: { type: "string", minLength: 1, maxLength: 200 },
    eventFieldName: { type: "string", minLength: 1, maxLength: 200 },
    intervalSeconds: { type: "integer", minimum: 1, maximum: 604800 },
    timeoutSeconds: { type: "integer", minimum: 1, maximum: 86400 },
    // The entity types themselves are checked with the package (package.ts names a wrong one).
    entityMapping: { type: "object", additionalProperties: { type: "string", maxLength: 100 }, maxProperties: MAX_MAPPED_FIELDS },
  },
  required: ["name", "description", "parameters", "productFieldName", "eventFieldName", "intervalSeconds", "timeoutSeconds"],
  additionalProperties: false,
} as const;

const actionDefinitionSchema = {
  type: "object",
  properties: {
    ...pick(definitionSchema.properties, ["name", "description", "parameters", "timeoutSeconds"]),
    entityTypes: { type: "array", items: { type: "string", enum: [...ENTITY_TYPES] }, maxItems: ENTITY_TYPES.length, uniqueItems: true },
  },
  required: ["name", "description", "parameters", "timeoutSeconds"],
  additionalProperties: false,
} as const;

const jobDefinitionSchema = {
  type: "object",
  properties: pick(definitionSchema.properties, ["name", "description", "parameters", "intervalSeconds", "timeoutSeconds"]),
  required: ["name", "description", "parameters", "intervalSeconds", "timeoutSeconds"],
  additionalProperties: false,
} as const;

function pick<T extends object, K extends keyof T>(object: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, object[key]])) as Pick<T, K>;
}

export function registerIdeRoutes(api: FastifyInstance, store: Store, session: Guard, scheduler?: Scheduler): void {
  const admin = [session, requireAdmin];
  // A new version of the code is picked up by the next run; the scheduler re-reads intervals.
  const changed = () => void scheduler?.refresh().catch(() => undefined);

  api.get(
    "/ide/sdk",
    {
      onRequest: admin,
      schema: { tags: ["ide"], summary: "Names the SDK exports, with the members of its classes (editor completion)", response: errors },
    },
    async () => {
      return { completions: await sdkCompletions(SDK_TYPES) };
    },
  );

  api.get(
    "/ide/integrations",
    {
      onRequest: admin,
      schema: {
        tags: ["ide"],
        summary: "Integrations the console can edit: imported ones and drafts without a connector yet",
        response: errors,
      },
    },
    async () => {
      return { integrations: await listEditableIntegrations(store) };
    },
  );

  api.post<{ Body: { name: string; description?: string; icon?: string } }>(
    "/ide/integrations",
    {
      onRequest: admin,
      schema: {
        tags: ["ide"],
        summary: "Create an integration (admin): a draft until its first connector is saved. icon: an SVG or PNG, base64, at most 256 KB.",
        body: {
          type: "object",
          properties: {
            name: { type: "string", minLength: 1, maxLength: 100 },
            description: { type: "string", maxLength: 5000 },
            icon: { type: "string", maxLength: Math.ceil((MAX_ICON_BYTES * 4) / 3) + 4, pattern: "^[A-Za-z0-9+/]*={0,2}$" },
          },
          required: ["name"],
          additionalProperties: false,
        },
        response: ideErrors,
      },
    },
    async (request, reply) => {
      const icon = request.body.icon ? { data: Buffer.from(request.body.icon, "base64") } : undefined;
      const created = await createIntegration(store, { name: request.body.name, description: request.body.description ?? "", icon });
      return reply.status(201).send(created);
    },
  );

  // One definition route per kind (each its own body); the code, version and diff routes are the same for every kind.
  const definitionRoutes: [CodeFolder, object][] = [
    ["connectors", definitionSchema],
    ["actions", actionDefinitionSchema],
    ["jobs", jobDefinitionSchema],
  ];
  for (const [folder, body] of definitionRoutes) {
    api.put<{ Params: { slug: string; fileBase: string }; Body: ConnectorDefinitionInput | ActionDefinitionInput | JobDefinitionInput }>(
      `/ide/integrations/:slug/${folder}/:fileBase`,
      {
        onRequest: admin,
        schema: {
          tags: ["ide"],
          summary:
            `Add or change a definition of ${folder}/ (admin): parameters, timeout and what the kind declares. ` +
            "A new one starts from a template. Saved as a new version.",
          params: connectorParams,
          body,
          response: ideErrors,
        },
      },
      async (request) => {
        const result = await saveDefinition(store, request.params.slug, folder, request.params.fileBase, request.body);
        changed();
        return { version: result.version, integration: result.integration.name, slug: result.integration.slug };
      },
    );
  }

  const codeBody = {
    type: "object",
    properties: { code: { type: "string", maxLength: MAX_CODE_BYTES } },
    required: ["code"],
    additionalProperties: false,
  } as const;

  for (const folder of CODE_FOLDERS) {
    api.get<{ Params: { slug: string; fileBase: string } }>(
      `/ide/integrations/:slug/${folder}/:fileBase/code`,
      {
        onRequest: admin,
        schema: { tags: ["ide"], summary: `The current code of ${folder}/NAME.ts`, params: connectorParams, response: ideErrors },
      },
      async (request) => getCode(store, request.params.slug, folder, request.params.fileBase),
    );

    api.put<{ Params: { slug: string; fileBase: string }; Body: { code: string } }>(
      `/ide/integrations/:slug/${folder}/:fileBase/code`,
      {
        onRequest: admin,
        // The code may reach 1 MB; JSON escaping adds to it.
        bodyLimit: 3 * MAX_CODE_BYTES,
        schema: {
          tags: ["ide"],
          summary:
            `Save the code of ${folder}/NAME.ts (admin): a new version when it compiles and type-checks; ` +
            "otherwise 422 with the problems by line, and the working version stays",
          params: connectorParams,
          body: codeBody,
          response: ideErrors,
        },
      },
      async (request) => {
        const result = await saveCode(store, request.params.slug, folder, request.params.fileBase, request.body.code);
        changed();
        return { version: result.version };
      },
    );

    api.get<{ Params: { slug: string; fileBase: string } }>(
      `/ide/integrations/:slug/${folder}/:fileBase/versions`,
      {
        onRequest: admin,
        schema: {
          tags: ["ide"],
          summary: `The versions of the package that hold ${folder}/NAME.ts, newest first`,
          params: connectorParams,
          response: ideErrors,
        },
      },
      async (request) => ({ versions: await listCodeVersions(store, request.params.slug, folder, request.params.fileBase) }),
    );

    api.get<{ Params: { slug: string; fileBase: string; version: number } }>(
      `/ide/integrations/:slug/${folder}/:fileBase/versions/:version`,
      {
        onRequest: admin,
        schema: {
          tags: ["ide"],
          summary: `The code of ${folder}/NAME.ts in one version and in the version before (for a diff)`,
          params: {
            type: "object",
            properties: { ...connectorParams.properties, version: { type: "integer", minimum: 1 } },
            required: ["slug", "fileBase", "version"],
          },
          response: ideErrors,
        },
      },
      async (request) => getCodeVersion(store, request.params.slug, folder, request.params.fileBase, request.params.version),
    );
  }

  api.post<{ Params: { slug: string; fileBase: string }; Body: { code: string; parameters?: Record<string, unknown> } }>(
    "/ide/integrations/:slug/connectors/:fileBase/play",
    {
      onRequest: admin,
      bodyLimit: 3 * MAX_CODE_BYTES,
      schema: {
        tags: ["ide"],
        summary:
          "Play (admin): run the given code once in test mode; returns its alerts and logs, stores nothing (no case, no run, no context)",
        params: connectorParams,
        body: {
          type: "object",
          properties: {
            code: { type: "string", maxLength: MAX_CODE_BYTES },
            parameters: { type: "object", additionalProperties: { type: ["string", "number", "boolean", "null"] }, maxProperties: 200 },
          },
          required: ["code"],
          additionalProperties: false,
        },
        response: ideErrors,
      },
    },
    async (request) =>
      playConnector(store, request.params.slug, request.params.fileBase, {
        code: request.body.code,
        parameters: request.body.parameters ?? {},
      }),
  );

  api.post<{ Params: { slug: string; fileBase: string }; Body: { code: string; caseId: number; params?: Record<string, unknown> } }>(
    "/ide/integrations/:slug/actions/:fileBase/play",
    {
      onRequest: admin,
      bodyLimit: 3 * MAX_CODE_BYTES,
      schema: {
        tags: ["ide"],
        summary:
          "Play (admin): run the given code of an action (saved or not) on a case's entities; " +
          "returns its outcome (a failed action is an outcome, 200), stores and changes nothing",
        params: connectorParams,
        body: {
          type: "object",
          properties: {
            code: { type: "string", maxLength: MAX_CODE_BYTES },
            caseId: { type: "integer", minimum: 1 },
            params: { type: "object", additionalProperties: { type: ["string", "number", "boolean", "null"] }, maxProperties: 200 },
          },
          required: ["code", "caseId"],
          additionalProperties: false,
        },
        response: ideErrors,
      },
    },
    async (request) =>
      playAction(store, request.params.slug, request.params.fileBase, {
        code: request.body.code,
        caseId: request.body.caseId,
        params: request.body.params ?? {},
        actor: request.user!.name,
      }),
  );

  api.post<{ Params: { slug: string; fileBase: string }; Body: { code: string } }>(
    "/ide/integrations/:slug/jobs/:fileBase/play",
    {
      onRequest: admin,
      bodyLimit: 3 * MAX_CODE_BYTES,
      schema: {
        tags: ["ide"],
        summary:
          "Play (admin): run the given code of a job (saved or not) once in test mode with its scheduled parameters; " +
          "its context is not saved",
        params: connectorParams,
        body: {
          type: "object",
          properties: { code: { type: "string", maxLength: MAX_CODE_BYTES } },
          required: ["code"],
          additionalProperties: false,
        },
        response: ideErrors,
      },
    },
    async (request) => playJob(store, request.params.slug, request.params.fileBase, { code: request.body.code }),
  );
}
