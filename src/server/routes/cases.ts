// The case queue and the case view: list (keyset pages), detail, status, priority, comments, history, .eml.
import { addCaseComment, CASE_STATUSES, caseVerdict, overrideVerdict, VERDICTS, verdictHistory, type Verdict, mergeCases, moveAlertOut, PRIORITIES, priorityName, reportedSenders, reportersOf, setCasePriority, setCaseStatus } from "../../platform/cases/index.js";
import { sql } from "../../platform/store/kysely.js";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { loadCases } from "../../platform/cases/index.js";
import { fileBytes, valueHash, type CaseStatus, type Store } from "../../platform/store/index.js";
import { CaseNotFound, EmlNotFound, Validation } from "../../platform/errors.js";
import { errors, idParams } from "../schemas.js";

type Guard = (request: FastifyRequest) => Promise<void>;

export const MAX_PAGE = 200;

const caseSummary = {
  type: "object",
  properties: {
    id: { type: "integer" }, title: { type: "string" }, priority: { type: "integer" }, status: { type: "string" },
    environment: { type: "string" }, created_at: { type: "integer" }, updated_at: { type: "integer" }, closed_reason: { type: ["string", "null"] },
    alert_count: { type: "integer" }, first_seen: { type: "integer" }, last_seen: { type: "integer" },
    verdict: { type: ["string", "null"] }, verdict_score: { type: ["integer", "null"] },
    sender: { type: "string" }, urls: { type: "integer" }, indicators: { type: "integer" }, attachments: { type: "integer" },
  },
} as const;

interface ListQuery {
  status?: CaseStatus;
  priority?: number;
  /** A verdict, or "none": cases without one yet. */
  verdict?: Verdict | "none";
  q?: string;
  /** Older than this id (the next page). */
  cursor?: number;
  /** Newer than this id (live updates). */
  after?: number;
  limit?: number;
}

/** LIKE pattern of a plain text: its % _ and \ escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listCases(store: Store, query: ListQuery) {
  const limit = Math.min(query.limit ?? 50, MAX_PAGE);
  let select = store.db.selectFrom("cases").selectAll();
  if (query.status) select = select.where("status", "=", query.status);
  if (query.priority !== undefined) select = select.where("priority", "=", query.priority);
  if (query.verdict === "none") select = select.where("verdict", "is", null);
  else if (query.verdict) select = select.where("verdict", "=", query.verdict);
  if (query.q) {
    const pattern = likePattern(query.q);
    // IN (subquery) is evaluated once, not once per case as a correlated EXISTS would be.
    select = select.where((eb) => eb.or([sql<boolean>`title like ${pattern} escape '\\'`,
      eb("id", "in", eb.selectFrom("entities").select("entities.case_id").where("entities.value_hash", "=", valueHash(query.q!)).where("entities.value", "=", query.q!)),
    ]));
  }
  if (query.cursor !== undefined) select = select.where("id", "<", query.cursor);
  if (query.after !== undefined) select = select.where("id", ">", query.after);
  const rows = await select.orderBy("id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.id);
  const counts = ids.length
    ? await store.db.selectFrom("entities").select(["case_id", "type", (eb) => eb.fn.countAll<number>().as("n")]).where("case_id", "in", ids).groupBy(["case_id", "type"]).execute()
    : [];
  const senders = ids.length
    ? reportedSenders(await store.db.selectFrom("entities").select(["case_id", "value", "depth"]).where("case_id", "in", ids).where("type", "=", "EMAIL_ADDRESS").where("role", "=", "sender").orderBy("id").execute())
    : [];
  const files = ids.length
    ? await store.db.selectFrom("alert_files").innerJoin("alerts", "alerts.id", "alert_files.alert_pk").select(["alerts.case_id", (eb) => eb.fn.countAll<number>().as("n")]).where("alerts.case_id", "in", ids).groupBy("alerts.case_id").execute()
    : [];
  return {
    cases: page.map((row) => {
      const mine = counts.filter((c) => c.case_id === row.id);
      return {
        ...row,
        sender: senders.find((s) => s.case_id === row.id)?.value ?? "",
        urls: Number(mine.find((c) => c.type === "URL")?.n ?? 0),
        indicators: mine.reduce((sum, c) => sum + Number(c.n), 0),
        attachments: Number(files.find((f) => f.case_id === row.id)?.n ?? 0),
      };
    }),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}

async function caseRow(store: Store, id: number) {
  const row = await store.db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new CaseNotFound(id);
  return row;
}

async function timeline(store: Store, id: number) {
  const [comments, history] = await Promise.all([
    store.db.selectFrom("case_comments").selectAll().where("case_id", "=", id).orderBy("id").limit(1000).execute(),
    store.db.selectFrom("case_history").selectAll().where("case_id", "=", id).orderBy("id").limit(1000).execute(),
  ]);
  return { comments, history };
}

const historySchema = {
  type: "object",
  properties: {
    comments: { type: "array", items: { type: "object", properties: { id: { type: "integer" }, user_name: { type: "string" }, body: { type: "string" }, created_at: { type: "integer" } } } },
    history: { type: "array", items: { type: "object", properties: { id: { type: "integer" }, user_name: { type: "string" }, kind: { type: "string" }, from_value: { type: "string" }, to_value: { type: "string" }, reason: { type: ["string", "null"] }, alert_id: { type: ["string", "null"] }, created_at: { type: "integer" } } } },
  },
} as const;

/** The verdict with who set it and when, and every verdict set (the case view). */
async function verdictView(store: Store, id: number) {
  return { verdictInfo: await caseVerdict(store, id), verdictHistory: await verdictHistory(store, id) };
}

/** Cases named in one merge: enough for a campaign reported in pieces, small enough to stay one transaction. */
export const MAX_MERGE = 100;

export function registerCaseRoutes(api: FastifyInstance, store: Store, session: Guard): void {
  api.get<{ Querystring: ListQuery }>("/cases", {
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
      response: { 200: { type: "object", properties: { cases: { type: "array", items: caseSummary }, nextCursor: { type: ["integer", "null"] } } }, ...errors },
    },
  }, async (request) => listCases(store, request.query));

  api.get<{ Params: { id: number } }>("/cases/:id", {
    onRequest: session,
    schema: { tags: ["cases"], summary: "A case: its alerts with events, entities and reporters, files (with hashes), comments and history", params: idParams, response: errors },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    const [loaded] = await loadCases(store, [row.id]);
    const alertRows = await store.db.selectFrom("alerts").select(["id", "alert_id"]).where("case_id", "=", row.id).execute();
    const files = alertRows.length
      ? await store.db.selectFrom("alert_files").select(["id", "alert_pk", "file_name", "content_type", "size", "sha256"]).where("alert_pk", "in", alertRows.map((a) => a.id)).execute()
      : [];
    return {
      ...loaded,
      // Who reported each alert, from its entities' roles (reporting.ts).
      alerts: loaded!.alerts.map((alert) => ({ ...alert, reporters: reportersOf(alert.entities) })),
      closed_reason: row.closed_reason,
      files: files.map((f) => ({ ...f, alert_id: alertRows.find((a) => a.id === f.alert_pk)?.alert_id ?? "" })),
      hasEml: files.some(isEml),
      ...(await verdictView(store, row.id)),
      ...(await timeline(store, row.id)),
    };
  });

  api.get<{ Params: { id: number } }>("/cases/:id/history", {
    onRequest: session,
    schema: { tags: ["cases"], summary: "A case's comments and status and priority changes, with who and when", params: idParams, response: { 200: historySchema, ...errors } },
  }, async (request) => {
    await caseRow(store, request.params.id);
    return timeline(store, request.params.id);
  });

  api.post<{ Params: { id: number }; Body: { status: CaseStatus; reason?: string } }>("/cases/:id/status", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: "Change a case's status; closing needs a reason", params: idParams,
      body: { type: "object", properties: { status: { type: "string", enum: [...CASE_STATUSES] }, reason: { type: "string", minLength: 1, maxLength: 2000 } }, required: ["status"], additionalProperties: false },
      response: { 200: historySchema, ...errors },
    },
  }, async (request) => {
    const { status, reason } = request.body;
    if (status === "closed" && !reason?.trim()) throw new Validation("body/reason is required to close a case");
    const row = await caseRow(store, request.params.id);
    await setCaseStatus(store, row.id, status, request.user!.name, reason ?? "");
    return timeline(store, row.id);
  });

  api.post<{ Params: { id: number }; Body: { priority: number } }>("/cases/:id/priority", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: `Change a case's priority (${PRIORITIES.map((p) => `${p} ${priorityName(p).toLowerCase()}`).join(", ")})`, params: idParams,
      body: { type: "object", properties: { priority: { type: "integer", enum: [...PRIORITIES] } }, required: ["priority"], additionalProperties: false },
      response: { 200: historySchema, ...errors },
    },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    await setCasePriority(store, row.id, request.body.priority, request.user!.name);
    return timeline(store, row.id);
  });

  api.post<{ Params: { id: number }; Body: { value: Verdict; reason: string } }>("/cases/:id/verdict", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: "Override a case's verdict, with a reason (recorded with who and when; triage does not replace it)", params: idParams,
      body: { type: "object", properties: { value: { type: "string", enum: [...VERDICTS] }, reason: { type: "string", minLength: 1, maxLength: 2000 } }, required: ["value", "reason"], additionalProperties: false },
      response: errors,
    },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    await overrideVerdict(store, row.id, request.body.value, request.body.reason, request.user!.name);
    return verdictView(store, row.id);
  });

  api.post<{ Params: { id: number }; Body: { body: string } }>("/cases/:id/comments", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: "Add a comment to a case", params: idParams,
      body: { type: "object", properties: { body: { type: "string", minLength: 1, maxLength: 10000 } }, required: ["body"], additionalProperties: false },
      response: { 200: historySchema, ...errors },
    },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    if (!request.body.body.trim()) throw new Validation("body/body must not be blank");
    await addCaseComment(store, row.id, request.user!.name, request.body.body);
    return timeline(store, row.id);
  });

  api.post<{ Params: { id: number }; Body: { cases: number[] } }>("/cases/:id/merge", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: "Merge other cases into this one: their alerts move here, they close as merged; recorded in both histories", params: idParams,
      body: { type: "object", properties: { cases: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 1, maxItems: MAX_MERGE, uniqueItems: true } }, required: ["cases"], additionalProperties: false },
      response: { 200: historySchema, ...errors },
    },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    if (request.body.cases.includes(row.id)) throw new Validation(`body/cases: case ${row.id} cannot be merged into itself`);
    await mergeCases(store, row.id, request.body.cases, request.user!.name);
    return timeline(store, row.id);
  });

  api.post<{ Params: { id: number }; Body: { alert: string } }>("/cases/:id/move-out", {
    onRequest: session,
    schema: {
      tags: ["cases"], summary: "Move one alert (by its alert id) out of this case into a new case of its own; returns the new case's id", params: idParams,
      body: { type: "object", properties: { alert: { type: "string", minLength: 1, maxLength: 1000 } }, required: ["alert"], additionalProperties: false },
      response: { 200: { type: "object", properties: { case: { type: "integer" } } }, ...errors },
    },
  }, async (request) => {
    const row = await caseRow(store, request.params.id);
    return { case: await moveAlertOut(store, row.id, request.body.alert, request.user!.name) };
  });

  api.get<{ Params: { id: number } }>("/cases/:id/eml", {
    onRequest: session,
    schema: { tags: ["cases"], summary: "Download the reported message as stored (.eml, as an attachment: never rendered)", params: idParams, response: errors },
  }, async (request, reply) => {
    const row = await caseRow(store, request.params.id);
    const file = await store.db.selectFrom("alert_files").innerJoin("alerts", "alerts.id", "alert_files.alert_pk")
      .select(["alert_files.file_name", "alert_files.content_type", "alert_files.data", "alert_files.encoding"])
      .where("alerts.case_id", "=", row.id)
      .where((eb) => eb.or([eb("alert_files.content_type", "=", "message/rfc822"), eb("alert_files.file_name", "like", "%.eml")]))
      .orderBy("alert_files.id").executeTakeFirst();
    if (!file) throw new EmlNotFound(row.id);
    const bytes = fileBytes(file);
    // A fixed file name: the stored one is attacker-controlled.
    return reply
      .header("Content-Type", "application/octet-stream")
      .header("Content-Disposition", `attachment; filename="case-${row.id}.eml"`)
      .header("X-Content-Type-Options", "nosniff")
      .header("Content-Security-Policy", "default-src 'none'; sandbox")
      .send(bytes);
  });
}

function isEml(file: { file_name: string; content_type: string }): boolean {
  return file.content_type === "message/rfc822" || file.file_name.toLowerCase().endsWith(".eml");
}
