// An integration's own parameters (integration.json's "parameters"): set once per integration, secrets
// encrypted at rest and never shown back, read by every connector, action and job of that integration.
import { ParameterError } from "../errors.js";
import { openSecretBox } from "../secrets/index.js";
import type { Store } from "../store/index.js";
import { findIntegration } from "./integrations.js";
import type { IntegrationDefinition } from "./package.js";
import { maskParameterValues, openParameterValues, sealParameterValues, secretParameterNames, type ParameterValue } from "./parameters.js";

/** How a set secret is shown: never its value. */
export const SECRET_MARK = "********";

async function storedSettings(store: Store, integration: IntegrationDefinition): Promise<Record<string, ParameterValue>> {
  const row = await store.db
    .selectFrom("integration_settings")
    .select("parameters")
    .where("integration", "=", integration.slug)
    .executeTakeFirst();
  return row ? (JSON.parse(row.parameters) as Record<string, ParameterValue>) : {};
}

/**
 * Sets the integration's parameters, validated as a connector's are (every problem named). A password
 * left out or empty keeps its stored value. Returns the integration and the values as shown.
 */
export async function configureIntegration(
  store: Store,
  name: string,
  parameters: unknown,
): Promise<{ integration: IntegrationDefinition; settings: Record<string, ParameterValue> }> {
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw new ParameterError("the parameters must be a JSON object mapping parameter names to values");
  }
  const integration = await findIntegration(store, name);
  const stored = await storedSettings(store, integration);
  const values = sealParameterValues(integration.parameters, parameters as Record<string, unknown>, stored, openSecretBox(store.dataDir));
  const row = { parameters: JSON.stringify(values), updated_at: Date.now() };
  await store.db
    .insertInto("integration_settings")
    .values({ integration: integration.slug, ...row })
    .onConflict((conflict) => conflict.column("integration").doUpdateSet(row))
    .execute();
  return { integration, settings: maskParameterValues(integration.parameters, values, SECRET_MARK) };
}

/** The values code of the integration receives (defaults applied, secrets decrypted), and the secret names. */
export async function integrationConfiguration(
  store: Store,
  integration: IntegrationDefinition,
): Promise<{ values: Record<string, ParameterValue>; secretNames: string[] }> {
  const values = openParameterValues(integration.parameters, await storedSettings(store, integration), openSecretBox(store.dataDir));
  return { values, secretNames: secretParameterNames(integration.parameters) };
}

/** The configured values fit to show: each secret that is set as "********". */
export async function integrationSettingsView(store: Store, integration: IntegrationDefinition): Promise<Record<string, ParameterValue>> {
  return maskParameterValues(integration.parameters, await storedSettings(store, integration), SECRET_MARK);
}
