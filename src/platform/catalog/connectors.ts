// Connector instances: a name, the connector definition they run, and validated parameter values.
import { ConnectorNameInvalid, ConnectorNotFound, ParameterError } from "../errors.js";
import { openSecretBox } from "../secrets/index.js";
import type { ConnectorTable, Store } from "../store/index.js";
import type { Selectable } from "kysely";
import type { GroupingSettings } from "../grouping/index.js";
import { GROUPING_MODES, isGroupingMode, type GroupingMode } from "../../sdk/vocabulary.js";

export { GROUPING_MODES };
import { findConnectorDefinition, findIntegration } from "./integrations.js";
import type { ConnectorDefinition, IntegrationDefinition } from "./package.js";
import { maskParameterValues, openParameterValues, sealParameterValues, type ParameterValue } from "./parameters.js";

export interface ConnectorInstance {
  id: number;
  name: string;
  integration: string;
  definition: string;
  /** As stored: secret values encrypted. */
  storedParameters: Record<string, ParameterValue>;
  enabled: boolean;
  intervalSeconds: number;
  allowList: string[];
  createdAt: number;
  updatedAt: number;
  grouping: GroupingSettings;
}

export interface ResolvedConnector {
  instance: ConnectorInstance;
  integration: IntegrationDefinition;
  definition: ConnectorDefinition;
}

export interface SaveConnectorInput {
  name: string;
  integration: string;
  connector?: string | undefined;
  parameters: unknown;
  intervalSeconds?: number | undefined;
  enabled?: boolean | undefined;
  allowList?: string[] | undefined;
  grouping?: GroupingInput | undefined;
}

/** Grouping settings as people give and read them (the time frame in whole hours, as stored). */
export interface GroupingInput {
  mode?: GroupingMode | undefined;
  windowHours?: number | undefined;
  maxAlerts?: number | undefined;
}

const HOUR_MS = 3_600_000;

export function groupingView(settings: GroupingSettings): { mode: GroupingMode; windowHours: number; maxAlerts: number } {
  return { mode: settings.mode, windowHours: settings.windowMs / HOUR_MS, maxAlerts: settings.maxAlerts };
}

const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,99}$/u;

/** A row of the connectors table as read (the store's own type, so the two cannot drift apart). */
type ConnectorRow = Selectable<ConnectorTable>;

function toInstance(row: ConnectorRow): ConnectorInstance {
  return {
    id: row.id,
    name: row.name,
    integration: row.integration,
    definition: row.definition,
    storedParameters: JSON.parse(row.parameters) as Record<string, ParameterValue>,
    enabled: row.enabled === 1,
    intervalSeconds: row.interval_seconds,
    allowList: JSON.parse(row.allow_list) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    grouping: { mode: row.grouping_mode, windowMs: row.grouping_window_hours * HOUR_MS, maxAlerts: row.grouping_max_alerts },
  };
}

/** Creates the connector, or updates it when the name exists. Returns whether it was created. */
export async function saveConnector(store: Store, input: SaveConnectorInput): Promise<{ created: boolean; instance: ConnectorInstance }> {
  if (!NAME_PATTERN.test(input.name)) {
    throw new ConnectorNameInvalid(JSON.stringify(input.name));
  }
  if (typeof input.parameters !== "object" || input.parameters === null || Array.isArray(input.parameters)) {
    throw new ParameterError("the parameters must be a JSON object mapping parameter names to values");
  }
  const integration = await findIntegration(store, input.integration);
  const definition = findConnectorDefinition(integration, input.connector);
  const secrets = openSecretBox(store.dataDir);
  const existing = await store.db.selectFrom("connectors").selectAll().where("name", "=", input.name).executeTakeFirst();
  // Passwords are write-only: an update that leaves one out keeps the stored one.
  const sameDefinition = existing && existing.integration === integration.name && existing.definition === definition.name;
  const stored = sameDefinition ? (JSON.parse(existing.parameters) as Record<string, ParameterValue>) : undefined;
  const values = sealParameterValues(definition.parameters, input.parameters as Record<string, unknown>, stored, secrets);
  const grouping = input.grouping ?? {};
  if (grouping.mode !== undefined && !isGroupingMode(grouping.mode)) {
    throw new ParameterError(`grouping ${JSON.stringify(grouping.mode)}: use one of ${GROUPING_MODES.join(", ")}`);
  }
  const windowHours = grouping.windowHours;
  if (windowHours !== undefined && !(Number.isInteger(windowHours) && windowHours >= 1 && windowHours <= 24 * 90)) {
    throw new ParameterError("grouping time frame: a whole number of hours from 1 to 2160");
  }
  if (
    grouping.maxAlerts !== undefined &&
    !(Number.isInteger(grouping.maxAlerts) && grouping.maxAlerts >= 1 && grouping.maxAlerts <= 100_000)
  ) {
    throw new ParameterError("grouping maximum: a whole number of alerts from 1 to 100000");
  }
  const now = Date.now();
  const row = {
    grouping_mode: grouping.mode ?? existing?.grouping_mode ?? "campaign",
    grouping_window_hours: windowHours ?? existing?.grouping_window_hours ?? 24,
    grouping_max_alerts: grouping.maxAlerts ?? existing?.grouping_max_alerts ?? 500,
    integration: integration.name,
    definition: definition.name,
    parameters: JSON.stringify(values),
    interval_seconds: input.intervalSeconds ?? existing?.interval_seconds ?? definition.intervalSeconds,
    enabled: input.enabled === undefined ? (existing?.enabled ?? 1) : input.enabled ? 1 : 0,
    allow_list: JSON.stringify(input.allowList ?? (existing ? JSON.parse(existing.allow_list) : [])),
    updated_at: now,
  };
  if (existing) {
    await store.db.updateTable("connectors").set(row).where("id", "=", existing.id).execute();
  } else {
    await store.db
      .insertInto("connectors")
      .values({ ...row, name: input.name, created_at: now })
      .execute();
  }
  return { created: !existing, instance: await getConnector(store, input.name) };
}

export async function getConnector(store: Store, name: string): Promise<ConnectorInstance> {
  const row = await store.db.selectFrom("connectors").selectAll().where("name", "=", name).executeTakeFirst();
  if (!row) throw new ConnectorNotFound(`no connector named "${name}" (see: intake connector list)`);
  return toInstance(row);
}

/** Turns a connector on or off (intake serve runs only those on). */
export async function setConnectorEnabled(store: Store, id: number, enabled: boolean): Promise<void> {
  await store.db
    .updateTable("connectors")
    .set({ enabled: enabled ? 1 : 0, updated_at: Date.now() })
    .where("id", "=", id)
    .execute();
}

export async function listConnectors(store: Store): Promise<ConnectorInstance[]> {
  const rows = await store.db.selectFrom("connectors").selectAll().orderBy("name").execute();
  return rows.map(toInstance);
}

export async function resolveConnector(store: Store, name: string): Promise<ResolvedConnector> {
  const instance = await getConnector(store, name);
  const integration = await findIntegration(store, instance.integration);
  const definition = findConnectorDefinition(integration, instance.definition);
  return { instance, integration, definition };
}

/** The values a run receives: defaults applied, secrets decrypted (for this connector's process only). */
export function runtimeParameters(store: Store, resolved: ResolvedConnector): Record<string, ParameterValue> {
  return openParameterValues(resolved.definition.parameters, resolved.instance.storedParameters, openSecretBox(store.dataDir));
}

/** Parameter values fit to show: secrets replaced by a mark that they are set. */
export function displayParameters(resolved: ResolvedConnector): Record<string, ParameterValue> {
  return maskParameterValues(resolved.definition.parameters, resolved.instance.storedParameters, "(set)");
}

/** The platform's switch for push: a boolean parameter of this name in the connector's definition. */
export const PUSH_PARAMETER = "Push On New Mail";

/** True when the connector should be watched (its `watch` export kept running) besides its interval. */
export function wantsPush(resolved: ResolvedConnector): boolean {
  const definition = resolved.definition.parameters.find((p) => p.name === PUSH_PARAMETER && p.type === "boolean");
  if (!definition) return false;
  const value = resolved.instance.storedParameters[PUSH_PARAMETER] ?? definition.default;
  return value === true || String(value).toLowerCase() === "true";
}

/** Bounds of an allow-list: values a connector's code reads (`execution.allowList`). */
const MAX_ALLOW_LIST = 10_000;

/** Replaces a connector's allow-list (values trimmed, empty ones and repeats dropped). */
export async function setAllowList(store: Store, name: string, values: string[]): Promise<ConnectorInstance> {
  const instance = await getConnector(store, name);
  const cleaned = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
  if (cleaned.length > MAX_ALLOW_LIST) throw new ParameterError(`allow-list: at most ${MAX_ALLOW_LIST} values, got ${cleaned.length}`);
  const long = cleaned.find((v) => v.length > 1000);
  if (long) throw new ParameterError(`allow-list value ${JSON.stringify(long.slice(0, 40))}…: at most 1000 characters`);
  await store.db
    .updateTable("connectors")
    .set({ allow_list: JSON.stringify(cleaned), updated_at: Date.now() })
    .where("id", "=", instance.id)
    .execute();
  return getConnector(store, name);
}

/** Deletes a connector instance and its saved context; its cases and runs stay. False when there is none. */
export async function deleteConnectorIfExists(store: Store, name: string): Promise<boolean> {
  const row = await store.db.selectFrom("connectors").select("id").where("name", "=", name).executeTakeFirst();
  if (!row) return false;
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("connector_context").where("connector_id", "=", row.id).execute();
    await trx.deleteFrom("connectors").where("id", "=", row.id).execute();
  });
  return true;
}
