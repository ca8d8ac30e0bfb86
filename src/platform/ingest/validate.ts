// Checks one alert of a package before it is stored: the mandatory fields (docs/interfaces.md#alert-and-event-fields), types and bounds.
import { z } from "zod";
import { ENTITY_ROLES, MAX_ENTITY_DEPTH } from "../../sdk/alert.js";
import { isPriority, PRIORITIES } from "../../sdk/vocabulary.js";

const MAX_TEXT = 10_000;

const eventSchema = z.looseObject({
  StartTime: z.number().finite(),
  EndTime: z.number().finite(),
  event_name: z.string().min(1),
  device_product: z.string().min(1),
});

const entitySchema = z.looseObject({
  type: z.string().min(1).max(100),
  value: z.string().min(1).max(MAX_TEXT),
  source: z.string().max(200).optional(),
  role: z.enum(ENTITY_ROLES).optional(),
  depth: z.number().int().min(0).max(MAX_ENTITY_DEPTH).optional(),
});

const attachmentSchema = z.object({
  fileName: z.string().min(1).max(500),
  contentType: z.string().max(200),
  data: z.instanceof(Uint8Array),
});

export const alertSchema = z.looseObject({
  display_id: z.string().min(1).max(1000),
  ticket_id: z.string().max(1000).optional(),
  name: z.string(),
  rule_generator: z.string().max(1000),
  start_time: z.number().finite(),
  end_time: z.number().finite(),
  priority: z.number().refine(isPriority, `not on the priority scale (${PRIORITIES.join(", ")})`),
  device_vendor: z.string().max(1000),
  device_product: z.string().max(1000),
  environment: z.string().max(200).optional(),
  events: z.array(eventSchema).min(1).max(10_000),
  extensions: z.record(z.string(), z.unknown()).optional(),
  entities: z.array(entitySchema).max(20_000).optional(),
  attachments: z.array(attachmentSchema).max(1_000).optional(),
  notes: z.array(z.string().max(MAX_TEXT)).max(1_000).optional(),
});

export type ValidAlert = z.infer<typeof alertSchema>;

export type AlertCheck = { ok: true; alert: ValidAlert } | { ok: false; display_id: string; error: string };

export function checkAlert(raw: unknown, index: number): AlertCheck {
  const result = alertSchema.safeParse(raw);
  if (result.success) return { ok: true, alert: result.data };
  const id = typeof (raw as { display_id?: unknown })?.display_id === "string" ? (raw as { display_id: string }).display_id : "";
  const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(alert)"}: ${issue.message}`);
  return { ok: false, display_id: id, error: `alert ${id ? JSON.stringify(id) : `#${index}`}: ${problems.join("; ")}` };
}
