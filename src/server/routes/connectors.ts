// Integrations and connectors: list, icon, source; connector create/edit/delete, enable, Run once, Test; runs.
import fs from "node:fs";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { LogEntry } from "../../sdk/execution.js";
import {
  deleteConnectorIfExists,
  displayParameters,
  integrationSettingsView,
  GROUPING_MODES,
  groupingView,
  type GroupingInput,
  getConnector,
  findConnectorDefinition,
  findIntegration,
  listConnectors,
  listIntegrations,
  resolveConnector,
  saveConnector,
  setConnectorEnabled,
  type ConnectorInstance,
  type IntegrationDefinition,
} from "../../platform/catalog/index.js";
import { findRun, listRuns, recentRuns, runConnector, type RunSummary } from "../../platform/runner/index.js";
import type { Scheduler } from "../../platform/scheduler/index.js";
import type { Store } from "../../platform/store/index.js";
import { ConnectorNotFound, IconNotFound, RunNotFound } from "../../platform/errors.js";
import { requireAdmin } from "../auth.js";
import { errors, idParams, nameParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

/** Runs a connector once (or tests it) elsewhere, answering as runConnector here would: queue mode's workers. */
export type RunNow = (name: string, test: boolean) => Promise<RunSummary & { logs: LogEntry[] }>;

const MAX_RUNS = 200;

function integrationView(integration: IntegrationDefinition) {
  return {
    name: integration.name,
    slug: integration.slug,
    description: integration.description,
    hasIcon: Boolean(integration.iconFile),
    builtin: integration.builtin,
    parameters: integration.parameters,
    connectors: integration.connectors.map((c) => ({
      name: c.name,
      fileBase: c.fileBase,
      description: c.description,
      parameters: c.parameters,
      productFieldName: c.productFieldName,
      eventFieldName: c.eventFieldName,
      intervalSeconds: c.intervalSeconds,
      timeoutSeconds: c.timeoutSeconds,
      entityMapping: c.entityMapping ?? {},
    })),
    actions: integration.actions.map((a) => ({
      name: a.name,
      fileBase: a.fileBase,
      description: a.description,
      parameters: a.parameters,
      entityTypes: a.entityTypes ?? [],
      timeoutSeconds: a.timeoutSeconds,
    })),
    jobs: integration.jobs.map((j) => ({
      name: j.name,
      fileBase: j.fileBase,
      description: j.description,
      parameters: j.parameters,
      intervalSeconds: j.intervalSeconds,
      timeoutSeconds: j.timeoutSeconds,
    })),
  };
}

async function connectorView(store: Store, instance: ConnectorInstance) {
  let parameters: Record<string, unknown> = {};
  let problem: string | undefined;
  let definition: { productFieldName: string; eventFieldName: string; timeoutSeconds: number } | undefined;
  try {
    const resolved = await resolveConnector(store, instance.name);
    parameters = displayParameters(resolved);
    definition = resolved.definition;
  } catch (error) {
    problem = (error as Error).message;
  }
  const runs = await recentRuns(store, instance.name);
  return {
    id: instance.id,
    name: instance.name,
    integration: instance.integration,
    definition: instance.definition,
    // Secrets come back only as "(set)": displayParameters never decrypts.
    parameters,
    enabled: instance.enabled,
    intervalSeconds: instance.intervalSeconds,
    grouping: groupingView(instance.grouping),
    productFieldName: definition?.productFieldName ?? null,
    eventFieldName: definition?.eventFieldName ?? null,
    timeoutSeconds: definition?.timeoutSeconds ?? null,
    problem: problem ?? null,
    lastRuns: runs,
    // Judged by the last run that finished: a run under way does not hide a failure.
    failing: (runs.find((r) => r.status !== "running")?.status ?? "succeeded") !== "succeeded",
    updatedAt: instance.updatedAt,
  };
}

const ICON_TYPES: Record<string, string> = { ".svg": "image/svg+xml", ".png": "image/png" };

export function registerConnectorRoutes(api: FastifyInstance, store: Store, session: Guard, scheduler?: Scheduler, runNow?: RunNow): void {
  const admin = [session, requireAdmin];
  const changed = () => void scheduler?.refresh().catch(() => undefined);

  api.get(
    "/integrations",
    {
      onRequest: session,
      schema: {
        tags: ["integrations"],
        summary:
          "Integrations with their own parameters (definitions and configured values, secrets masked), " +
          "connector, action and job definitions",
        response: errors,
      },
    },
    async () => {
      const integrations = await listIntegrations(store);
      // The integration's own parameters as configured: each secret that is set as "********".
      return {
        integrations: await Promise.all(
          integrations.map(async (integration) => ({
            ...integrationView(integration),
            settings: await integrationSettingsView(store, integration),
          })),
        ),
      };
    },
  );

  api.get<{ Params: { slug: string } }>(
    "/integrations/:slug/icon",
    {
      onRequest: session,
      schema: {
        tags: ["integrations"],
        summary: "An integration's icon (SVG served with a sandboxing policy)",
        params: { type: "object", properties: { slug: { type: "string", maxLength: 200 } }, required: ["slug"] },
        response: errors,
      },
    },
    async (request, reply) => {
      const integration = await findIntegration(store, request.params.slug);
      if (!integration.iconFile) throw new IconNotFound(integration.name);
      const file = path.join(integration.dir, path.basename(integration.iconFile));
      const type = ICON_TYPES[path.extname(file).toLowerCase()];
      if (!type || !fs.existsSync(file)) throw new IconNotFound(integration.name);
      // An SVG may carry script: as an <img> it cannot run, and opened alone it is sandboxed.
      return reply
        .header("Content-Type", type)
        .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        .send(fs.readFileSync(file));
    },
  );

  api.get<{ Params: { slug: string; connector: string } }>(
    "/integrations/:slug/connectors/:connector/source",
    {
      onRequest: session,
      schema: {
        tags: ["integrations"],
        summary: "A connector's source code (read-only)",
        params: {
          type: "object",
          properties: { slug: { type: "string", maxLength: 200 }, connector: { type: "string", maxLength: 200 } },
          required: ["slug", "connector"],
        },
        response: errors,
      },
    },
    async (request) => {
      const integration = await findIntegration(store, request.params.slug);
      const definition = findConnectorDefinition(integration, request.params.connector);
      const source = fs.readFileSync(definition.sourceFile, "utf8");
      return { file: path.basename(definition.sourceFile), source };
    },
  );

  api.get(
    "/connectors",
    {
      onRequest: session,
      schema: { tags: ["connectors"], summary: "Connector instances with their (secret-free) parameters and last runs", response: errors },
    },
    async () => {
      const connectors = await listConnectors(store);
      return { connectors: await Promise.all(connectors.map((c) => connectorView(store, c))) };
    },
  );

  api.get<{ Params: { name: string } }>(
    "/connectors/:name",
    { onRequest: session, schema: { tags: ["connectors"], summary: "One connector instance", params: nameParams, response: errors } },
    async (request) => {
      return connectorView(store, await getConnector(store, request.params.name));
    },
  );

  api.put<{
    Params: { name: string };
    Body: {
      integration: string;
      connector?: string;
      parameters: Record<string, unknown>;
      intervalSeconds?: number;
      enabled?: boolean;
      grouping?: GroupingInput;
    };
  }>(
    "/connectors/:name",
    {
      onRequest: admin,
      schema: {
        tags: ["connectors"],
        summary: "Create or update a connector (admin). Password parameters left out or empty keep their stored value.",
        params: nameParams,
        body: {
          type: "object",
          properties: {
            integration: { type: "string", minLength: 1, maxLength: 200 },
            connector: { type: "string", minLength: 1, maxLength: 200 },
            parameters: { type: "object", additionalProperties: { type: ["string", "number", "boolean", "null"] }, maxProperties: 200 },
            intervalSeconds: { type: "integer", minimum: 1, maximum: 604800 },
            enabled: { type: "boolean" },
            grouping: {
              type: "object",
              description:
                "How ingest groups this connector's alerts into cases: campaign (reports of the same mail), " +
                "indicator (a shared uncommon URL or the same reported Message-ID), off (one case per alert)",
              properties: {
                mode: { type: "string", enum: [...GROUPING_MODES] },
                windowHours: { type: "integer", minimum: 1, maximum: 2160 },
                maxAlerts: { type: "integer", minimum: 1, maximum: 100000 },
              },
              additionalProperties: false,
            },
          },
          required: ["integration", "parameters"],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request, reply) => {
      const { created, instance } = await saveConnector(store, { name: request.params.name, ...request.body });
      changed();
      return reply.status(created ? 201 : 200).send(await connectorView(store, instance));
    },
  );

  api.delete<{ Params: { name: string } }>(
    "/connectors/:name",
    {
      onRequest: admin,
      schema: { tags: ["connectors"], summary: "Delete a connector (admin); its cases stay", params: nameParams, response: errors },
    },
    async (request) => {
      if (!(await deleteConnectorIfExists(store, request.params.name)))
        throw new ConnectorNotFound(`no connector named "${request.params.name}"`);
      changed();
      return { ok: true };
    },
  );

  api.post<{ Params: { name: string }; Body: { enabled: boolean } }>(
    "/connectors/:name/enabled",
    {
      onRequest: admin,
      schema: {
        tags: ["connectors"],
        summary: "Enable or disable a connector (admin)",
        params: nameParams,
        body: { type: "object", properties: { enabled: { type: "boolean" } }, required: ["enabled"], additionalProperties: false },
        response: errors,
      },
    },
    async (request) => {
      const instance = await getConnector(store, request.params.name);
      await setConnectorEnabled(store, instance.id, request.body.enabled);
      changed();
      return connectorView(store, await getConnector(store, request.params.name));
    },
  );

  const runRoute = (test: boolean) => async (request: FastifyRequest<{ Params: { name: string } }>) => {
    if (runNow) return runNow(request.params.name, test);
    const logs: LogEntry[] = [];
    const summary = await runConnector(store, request.params.name, { test, onLog: (entry) => logs.length < 2000 && logs.push(entry) });
    return { ...summary, logs };
  };
  api.post<{ Params: { name: string } }>(
    "/connectors/:name/run",
    {
      onRequest: admin,
      schema: {
        tags: ["connectors"],
        summary:
          "Run once (admin): ingests and marks read as configured; 409 when a run is already under way. " +
          "In queue mode a worker runs it (503 QUEUE_NO_WORKER when none takes it in time)",
        params: nameParams,
        response: errors,
      },
    },
    runRoute(false),
  );
  api.post<{ Params: { name: string } }>(
    "/connectors/:name/test",
    {
      onRequest: admin,
      schema: {
        tags: ["connectors"],
        summary:
          "Test (admin): runs the connector, returns its package and logs, stores no case and marks nothing read. " +
          "In queue mode a worker runs it (503 QUEUE_NO_WORKER when none takes it in time)",
        params: nameParams,
        response: errors,
      },
    },
    runRoute(true),
  );

  api.get<{ Querystring: { connector?: string; limit?: number; cursor?: number } }>(
    "/runs",
    {
      onRequest: session,
      schema: {
        tags: ["runs"],
        summary: "Run history, newest first",
        querystring: {
          type: "object",
          properties: {
            connector: { type: "string", maxLength: 100 },
            limit: { type: "integer", minimum: 1, maximum: MAX_RUNS },
            cursor: { type: "integer", minimum: 1 },
          },
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request) => {
      return listRuns(store, { ...request.query, limit: request.query.limit ?? 50 });
    },
  );

  api.get<{ Params: { id: number } }>(
    "/runs/:id",
    { onRequest: session, schema: { tags: ["runs"], summary: "One run with its log", params: idParams, response: errors } },
    async (request) => {
      const run = await findRun(store, request.params.id);
      if (!run) throw new RunNotFound(request.params.id);
      return run;
    },
  );
}
