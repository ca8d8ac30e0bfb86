// The case queue and the case view: list (keyset pages), detail, status, priority, comments, history, .eml.
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  addCaseComment,
  CASE_STATUSES,
  caseFiles,
  caseTimeline,
  caseVerdict,
  findCase,
  isOriginalMessage,
  listCases,
  loadCases,
  MAX_PAGE,
  mergeCases,
  moveAlertOut,
  originalMessage,
  overrideVerdict,
  PRIORITIES,
  priorityName,
  reportersOf,
  setCasePriority,
  setCaseStatus,
  VERDICTS,
  verdictHistory,
  type CaseListQuery,
  type Verdict,
} from "../../platform/cases/index.js";
import type { CaseStatus, Store } from "../../platform/store/index.js";
import { Validation } from "../../platform/errors.js";
import { errors, idParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

const caseSummary = {
  type: "object",
  properties: {
    id: { type: "integer" },
    title: { type: "string" },
    priority: { type: "integer" },
    status: { type: "string" },
    environment: { type: "string" },
    created_at: { type: "integer" },
    updated_at: { type: "integer" },
    closed_reason: { type: ["string", "null"] },
    alert_count: { type: "integer" },
    first_seen: { type: "integer" },
    last_seen: { type: "integer" },
    verdict: { type: ["string", "null"] },
    verdict_score: { type: ["integer", "null"] },
    sender: { type: "string" },
    urls: { type: "integer" },
    indicators: { type: "integer" },
    attachments: { type: "integer" },
  },
} as const;

const historySchema = {
  type: "object",
  properties: {
    comments: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer" }, user_name: { type: "string" }, body: { type: "string" }, created_at: { type: "integer" } },
      },
    },
    history: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "integer" },
          user_name: { type: "string" },
          kind: { type: "string" },
          from_value: { type: "string" },
          to_value: { type: "string" },
          reason: { type: ["string", "null"] },
          alert_id: { type: ["string", "null"] },
          created_at: { type: "integer" },
        },
      },
    },
  },
} as const;

/** The verdict with who set it and when, and every verdict set (the case view). */
async function verdictView(store: Store, id: number) {
  return { verdictInfo: await caseVerdict(store, id), verdictHistory: await verdictHistory(store, id) };
}

/** Cases named in one merge: enough for a campaign reported in pieces, small enough to stay one transaction. */
export const MAX_MERGE = 100;

export function registerCaseRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get<{ Querystring: CaseListQuery }>(
    "/cases",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "The case queue, newest first, a page at a time (pass nextCursor as cursor); after=ID lists only newer cases",
        querystring: {
          type: "object",
          properties: {
            status: { type: "string", enum: [...CASE_STATUSES] },
            priority: { type: "integer", enum: [...PRIORITIES] },
            verdict: { type: "string", enum: [...VERDICTS, "none"] },
            q: { type: "string", minLength: 1, maxLength: 200 },
            cursor: { type: "integer", minimum: 1 },
            after: { type: "integer", minimum: 0 },
            limit: { type: "integer", minimum: 1, maximum: MAX_PAGE },
          },
          additionalProperties: false,
        },
        response: {
          200: { type: "object", properties: { cases: { type: "array", items: caseSummary }, nextCursor: { type: ["integer", "null"] } } },
          ...errors,
        },
      },
    },
    async (request) => listCases(store, request.query),
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "A case: its alerts with events, entities and reporters, files (with hashes), comments and history",
        params: idParams,
        response: errors,
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      const [loaded] = await loadCases(store, [row.id]);
      const files = await caseFiles(store, row.id);
      return {
        ...loaded,
        // Who reported each alert, from its entities' roles (reporting.ts).
        alerts: loaded!.alerts.map((alert) => ({ ...alert, reporters: reportersOf(alert.entities) })),
        closed_reason: row.closed_reason,
        files,
        hasEml: files.some(isOriginalMessage),
        ...(await verdictView(store, row.id)),
        ...(await caseTimeline(store, row.id)),
      };
    },
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/history",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "A case's comments and status and priority changes, with who and when",
        params: idParams,
        response: { 200: historySchema, ...errors },
      },
    },
    async (request) => {
      await findCase(store, request.params.id);
      return caseTimeline(store, request.params.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { status: CaseStatus; reason?: string } }>(
    "/cases/:id/status",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Change a case's status; closing needs a reason",
        params: idParams,
        body: {
          type: "object",
          properties: { status: { type: "string", enum: [...CASE_STATUSES] }, reason: { type: "string", minLength: 1, maxLength: 2000 } },
          required: ["status"],
          additionalProperties: false,
        },
        response: { 200: historySchema, ...errors },
      },
    },
    async (request) => {
      const { status, reason } = request.body;
      if (status === "closed" && !reason?.trim()) throw new Validation("body/reason is required to close a case");
      const row = await findCase(store, request.params.id);
      await setCaseStatus(store, row.id, status, request.user!.name, reason ?? "");
      return caseTimeline(store, row.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { priority: number } }>(
    "/cases/:id/priority",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: `Change a case's priority (${PRIORITIES.map((p) => `${p} ${priorityName(p).toLowerCase()}`).join(", ")})`,
        params: idParams,
        body: {
          type: "object",
          properties: { priority: { type: "integer", enum: [...PRIORITIES] } },
          required: ["priority"],
          additionalProperties: false,
        },
        response: { 200: historySchema, ...errors },
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      await setCasePriority(store, row.id, request.body.priority, request.user!.name);
      return caseTimeline(store, row.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { value: Verdict; reason: string } }>(
    "/cases/:id/verdict",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Override a case's verdict, with a reason (recorded with who and when; triage does not replace it)",
        params: idParams,
        body: {
          type: "object",
          properties: { value: { type: "string", enum: [...VERDICTS] }, reason: { type: "string", minLength: 1, maxLength: 2000 } },
          required: ["value", "reason"],
          additionalProperties: false,
        },
        response: errors,
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      await overrideVerdict(store, row.id, request.body.value, request.body.reason, request.user!.name);
      return verdictView(store, row.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { body: string } }>(
    "/cases/:id/comments",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Add a comment to a case",
        params: idParams,
        body: {
          type: "object",
          properties: { body: { type: "string", minLength: 1, maxLength: 10000 } },
          required: ["body"],
          additionalProperties: false,
        },
        response: { 200: historySchema, ...errors },
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      if (!request.body.body.trim()) throw new Validation("body/body must not be blank");
      await addCaseComment(store, row.id, request.user!.name, request.body.body);
      return caseTimeline(store, row.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { cases: number[] } }>(
    "/cases/:id/merge",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Merge other cases into this one: their alerts move here, they close as merged; recorded in both histories",
        params: idParams,
        body: {
          type: "object",
          properties: {
            cases: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 1, maxItems: MAX_MERGE, uniqueItems: true },
          },
          required: ["cases"],
          additionalProperties: false,
        },
        response: { 200: historySchema, ...errors },
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      if (request.body.cases.includes(row.id)) throw new Validation(`body/cases: case ${row.id} cannot be merged into itself`);
      await mergeCases(store, row.id, request.body.cases, request.user!.name);
      return caseTimeline(store, row.id);
    },
  );

  api.post<{ Params: { id: number }; Body: { alert: string } }>(
    "/cases/:id/move-out",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Move one alert (by its alert id) out of this case into a new case of its own; returns the new case's id",
        params: idParams,
        body: {
          type: "object",
          properties: { alert: { type: "string", minLength: 1, maxLength: 1000 } },
          required: ["alert"],
          additionalProperties: false,
        },
        response: { 200: { type: "object", properties: { case: { type: "integer" } } }, ...errors },
      },
    },
    async (request) => {
      const row = await findCase(store, request.params.id);
      return { case: await moveAlertOut(store, row.id, request.body.alert, request.user!.name) };
    },
  );

  api.get<{ Params: { id: number } }>(
    "/cases/:id/eml",
    {
      onRequest: session,
      schema: {
        tags: ["cases"],
        summary: "Download the reported message as stored (.eml, as an attachment: never rendered)",
        params: idParams,
        response: errors,
      },
    },
    async (request, reply) => {
      const row = await findCase(store, request.params.id);
      const bytes = await originalMessage(store, row.id);
      // A fixed file name: the stored one is attacker-controlled.
      return reply
        .header("Content-Type", "application/octet-stream")
        .header("Content-Disposition", `attachment; filename="case-${row.id}.eml"`)
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "default-src 'none'; sandbox")
        .send(bytes);
    },
  );
}
