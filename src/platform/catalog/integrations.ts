// The integrations Intake knows: the built-in packages shipped in integrations/, and imported ones.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ActionNotFound, ConnectorAmbiguous, ConnectorNotFound, IntegrationNotFound, JobNotFound } from "../errors.js";
import type { Store } from "../store/index.js";
import {
  loadIntegrationPackage,
  type ActionDefinition,
  type ConnectorDefinition,
  type IntegrationDefinition,
  type JobDefinition,
} from "./package.js";

/** The project's own integrations/ folder: from dist/src/platform/catalog, or from src/ when tests import the source. */
export const BUILTIN_INTEGRATIONS_DIR =
  [
    fileURLToPath(new URL("../../../../integrations/", import.meta.url)),
    fileURLToPath(new URL("../../../integrations/", import.meta.url)),
  ].find((dir) => fs.existsSync(path.join(dir, "email", "integration.json"))) ??
  fileURLToPath(new URL("../../../../integrations/", import.meta.url));

export function builtinIntegrations(): IntegrationDefinition[] {
  if (!fs.existsSync(BUILTIN_INTEGRATIONS_DIR)) return [];
  return fs
    .readdirSync(BUILTIN_INTEGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(BUILTIN_INTEGRATIONS_DIR, entry.name, "integration.json")))
    .map((entry) => loadIntegrationPackage(path.join(BUILTIN_INTEGRATIONS_DIR, entry.name), { builtin: true }));
}

export async function listIntegrations(store: Store): Promise<IntegrationDefinition[]> {
  const builtin = builtinIntegrations();
  const imported = await store.db.selectFrom("integrations").selectAll().where("builtin", "=", 0).orderBy("name").execute();
  const importedDefinitions = imported.flatMap((row) => {
    try {
      return [loadIntegrationPackage(row.dir)];
    } catch {
      return []; // A package whose folder was removed or broken by hand is left out, not fatal.
    }
  });
  const names = new Set(importedDefinitions.map((d) => d.name.toLowerCase()));
  return [...builtin.filter((d) => !names.has(d.name.toLowerCase())), ...importedDefinitions];
}

/** Finds an integration by its name or its short name (folder), case-insensitively. */
export async function findIntegration(store: Store, nameOrSlug: string): Promise<IntegrationDefinition> {
  const wanted = nameOrSlug.trim().toLowerCase();
  const all = await listIntegrations(store);
  const found = all.find((d) => d.name.toLowerCase() === wanted || d.slug.toLowerCase() === wanted);
  if (!found) {
    throw new IntegrationNotFound(`no integration "${nameOrSlug}" (known: ${all.map((d) => `${d.slug} = "${d.name}"`).join(", ")})`);
  }
  return found;
}

export function findConnectorDefinition(integration: IntegrationDefinition, name?: string): ConnectorDefinition {
  if (!name) {
    if (integration.connectors.length === 1) return integration.connectors[0]!;
    throw new ConnectorAmbiguous(integration.name, integration.connectors.length, integration.connectors.map((c) => c.name).join(", "));
  }
  const wanted = name.toLowerCase();
  const found = integration.connectors.find((c) => c.name.toLowerCase() === wanted || c.fileBase.toLowerCase() === wanted);
  if (!found) throw new ConnectorNotFound(`integration "${integration.name}" has no connector "${name}"`);
  return found;
}

/** A definition by its name or its file's name, case-insensitively. */
function byName<T extends { name: string; fileBase: string }>(definitions: T[], name: string): T | undefined {
  const wanted = name.trim().toLowerCase();
  return definitions.find((d) => d.name.toLowerCase() === wanted || d.fileBase.toLowerCase() === wanted);
}

/** Splits "Integration/Action" (the last slash: an integration's name may hold one). */
function splitReference(reference: string): [string, string] | undefined {
  const slash = reference.lastIndexOf("/");
  if (slash <= 0 || slash === reference.length - 1) return undefined;
  return [reference.slice(0, slash), reference.slice(slash + 1)];
}

/** "Integration/Action" (integration by name or short name, action by name or file name) → both, or undefined. */
export async function findAction(
  store: Store,
  reference: string,
): Promise<{ integration: IntegrationDefinition; action: ActionDefinition } | undefined> {
  const parts = splitReference(reference);
  if (!parts) return undefined;
  const wanted = parts[0].trim().toLowerCase();
  const integration = (await listIntegrations(store)).find((d) => d.name.toLowerCase() === wanted || d.slug.toLowerCase() === wanted);
  const action = integration && byName(integration.actions, parts[1]);
  return integration && action ? { integration, action } : undefined;
}

/** The action, or ACTION_NOT_FOUND (INTEGRATION_NOT_FOUND) naming what is known. */
export async function requireAction(
  store: Store,
  integrationName: string,
  actionName: string,
): Promise<{ integration: IntegrationDefinition; action: ActionDefinition }> {
  const integration = await findIntegration(store, integrationName);
  const action = byName(integration.actions, actionName);
  if (!action)
    throw new ActionNotFound(
      `integration "${integration.name}" has no action "${actionName}" ` +
        `(its actions: ${integration.actions.map((a) => a.name).join(", ") || "none"})`,
    );
  return { integration, action };
}

export async function requireJob(
  store: Store,
  integrationName: string,
  jobName: string,
): Promise<{ integration: IntegrationDefinition; job: JobDefinition }> {
  const integration = await findIntegration(store, integrationName);
  const job = byName(integration.jobs, jobName);
  if (!job)
    throw new JobNotFound(
      `integration "${integration.name}" has no job "${jobName}" (its jobs: ${integration.jobs.map((j) => j.name).join(", ") || "none"})`,
    );
  return { integration, job };
}
