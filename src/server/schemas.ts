// JSON schemas shared by the routes (validation and the OpenAPI document).
import { z } from "zod";
import { NotFound } from "../platform/errors.js";
import { API_SHAPES } from "./api-shapes.js";

export const errorSchema = {
  type: "object",
  properties: {
    error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"] },
  },
} as const;

export const idParams = {
  type: "object",
  properties: { id: { type: "integer", minimum: 1 } },
  required: ["id"],
} as const;

export const nameParams = {
  type: "object",
  properties: { name: { type: "string", minLength: 1, maxLength: 100 } },
  required: ["name"],
} as const;

/** The answer of a route that does not exist, by method and path (never the query: it may carry a token). */
export function routeNotFound(request: { method: string; url: string }): InstanceType<typeof NotFound> {
  return new NotFound(request.method, request.url.split("?")[0]!);
}

export const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;

/** The API's answer shapes (api-shapes.ts) as OpenAPI components: the document names what the console reads. */
export function apiShapeSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(API_SHAPES).map(([name, shape]) => [name, z.toJSONSchema(shape, { target: "openapi-3.0" })]));
}
