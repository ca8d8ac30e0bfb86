// A connector's entity mapping applied at ingest: each mapped field of each event becomes an entity of
// the mapped type, beside the entities the connector set itself.
import type { ValidAlert } from "./validate.js";

/** Most entities a mapping adds to one alert (an alert may carry 10,000 events). */
export const MAX_MAPPED_ENTITIES = 500;
/** Longest value taken from an event field; a longer one is no indicator, and is left out. */
const MAX_VALUE = 2_000;
/** Most entities an alert may carry in all (ingest's own bound). */
const MAX_ENTITIES = 20_000;

/** The alert with entities from its events' mapped fields added: distinct by type and value, bounded. */
export function withMappedEntities(alert: ValidAlert, mapping: Record<string, string> | undefined): ValidAlert {
  const fields = Object.entries(mapping ?? {});
  if (fields.length === 0) return alert;
  const entities = [...(alert.entities ?? [])];
  const seen = new Set(entities.map((entity) => `${entity.type}\u0000${entity.value}`));
  const room = Math.min(MAX_MAPPED_ENTITIES, MAX_ENTITIES - entities.length);
  let added = 0;
  for (const event of alert.events) {
    for (const [field, type] of fields) {
      if (added >= room) return { ...alert, entities };
      const raw = event[field];
      if (typeof raw !== "string" && typeof raw !== "number") continue;
      const value = String(raw).trim();
      if (value === "" || value.length > MAX_VALUE) continue;
      const key = `${type}\u0000${value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      entities.push({ type, value, source: `event field ${field}` });
      added++;
    }
  }
  return { ...alert, entities };
}
