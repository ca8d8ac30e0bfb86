// The cases' reads, for the API, the CLI and the bench alike: the queue a page at a time, one case with its files
// and timeline, its original message, and every case with its alerts and events in the export's field names
// (docs/interfaces.md#alert-and-event-fields).
import type { EntityRole } from "../../sdk/alert.js";
import { CaseNotFound, EmlNotFound } from "../errors.js";
import { sql } from "../store/kysely.js";
import { fileBytes, valueHash, type CaseStatus, type Store } from "../store/index.js";
import { reportedSenders } from "./reporting.js";
import { verdictOf } from "./verdicts.js";
import type { Verdict } from "../../sdk/vocabulary.js";

export interface ExportedEvent {
  [field: string]: unknown;
}

export interface ExportedAlert {
  display_id: string;
  ticket_id: string;
  name: string;
  rule_generator: string;
  start_time: number;
  end_time: number;
  priority: number;
  device_vendor: string;
  device_product: string;
  environment: string;
  extensions: Record<string, unknown>;
  notes: string[];
  /** Why ingest put this alert in its case (absent for the alert that opened it). */
  grouped_by?: string;
  /** The connector's attributes, then the stored fields (`role` null: none). */
  entities: { type: string; value: string; source: string; role: EntityRole | null; depth: number; [key: string]: unknown }[];
  events: ExportedEvent[];
}

export interface ExportedCase {
  id: number;
  title: string;
  priority: number;
  status: string;
  environment: string;
  created_at: number;
  updated_at: number;
  /** Reports (alerts) in the case, and when the first and the last were sent. */
  alert_count: number;
  first_seen: number;
  last_seen: number;
  links: { case_id: number; reason: string }[];
  /** docs/interfaces.md's shape ("Cases export"), once a verdict was set (an analyst's override when there is one). */
  verdict?: { value: Verdict; score?: number; reasons: string[] };
  alerts: ExportedAlert[];
}

const PAGE = 500;

/** Cases with their alerts, events and entities, read a page at a time. */
export async function loadCases(store: Store, caseIds: number[]): Promise<ExportedCase[]> {
  if (caseIds.length === 0) return [];
  const cases = await store.db.selectFrom("cases").selectAll().where("id", "in", caseIds).orderBy("id").execute();
  const alerts = await store.db.selectFrom("alerts").selectAll().where("case_id", "in", caseIds).orderBy("id").execute();
  const alertIds = alerts.map((a) => a.id);
  const events = alertIds.length
    ? await store.db.selectFrom("events").selectAll().where("alert_pk", "in", alertIds).orderBy("alert_pk").orderBy("position").execute()
    : [];
  const entities = alertIds.length
    ? await store.db.selectFrom("entities").selectAll().where("alert_pk", "in", alertIds).orderBy("id").execute()
    : [];
  const eventsByAlert = group(events, (e) => e.alert_pk);
  const entitiesByAlert = group(entities, (e) => e.alert_pk);
  const alertsByCase = group(alerts, (a) => a.case_id);
  const linkRows = await store.db.selectFrom("case_links").selectAll().where("case_id", "in", caseIds).orderBy("created_at").execute();
  const links = group(linkRows, (l) => l.case_id);
  return cases.map((row) => ({
    id: row.id,
    title: row.title,
    priority: row.priority,
    status: row.status,
    environment: row.environment,
    created_at: row.created_at,
    updated_at: row.updated_at,
    alert_count: row.alert_count,
    first_seen: row.first_seen,
    last_seen: row.last_seen,
    links: (links.get(row.id) ?? []).map((l) => ({ case_id: l.linked_case_id, reason: l.reason })),
    ...exportedVerdict(row),
    alerts: (alertsByCase.get(row.id) ?? []).map((alert) => {
      const data = JSON.parse(alert.data) as { extensions?: Record<string, unknown>; notes?: string[]; groupedBy?: string };
      return {
        display_id: alert.alert_id,
        ticket_id: alert.ticket_id,
        name: alert.name,
        rule_generator: alert.rule_generator,
        start_time: alert.start_time,
        end_time: alert.end_time,
        priority: alert.priority,
        device_vendor: alert.vendor,
        device_product: alert.product,
        environment: alert.environment,
        extensions: data.extensions ?? {},
        notes: data.notes ?? [],
        ...(data.groupedBy ? { grouped_by: data.groupedBy } : {}),
        entities: (entitiesByAlert.get(alert.id) ?? []).map((e) => ({
          ...(JSON.parse(e.data) as object),
          type: e.type,
          value: e.value,
          source: e.source,
          role: e.role,
          depth: e.depth,
        })),
        events: (eventsByAlert.get(alert.id) ?? []).map((e) => JSON.parse(e.data) as ExportedEvent),
      };
    }),
  }));
}

function exportedVerdict(row: Parameters<typeof verdictOf>[0]): Pick<ExportedCase, "verdict"> {
  const verdict = verdictOf(row);
  if (!verdict) return {};
  return { verdict: { value: verdict.value, ...(verdict.score !== null ? { score: verdict.score } : {}), reasons: verdict.reasons } };
}

/** Rows by a key, each list in the order given. */
export function group<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Every case, oldest first, a page at a time: memory stays flat however many there are. */
export async function* exportCases(store: Store): AsyncGenerator<ExportedCase> {
  let after = 0;
  for (;;) {
    const rows = await store.db.selectFrom("cases").select("id").where("id", ">", after).orderBy("id").limit(PAGE).execute();
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return;
    yield* await loadCases(store, ids);
    after = ids[ids.length - 1]!;
  }
}

/** The most cases on one page of the queue. */
export const MAX_PAGE = 200;

export interface CaseListQuery {
  status?: CaseStatus;
  priority?: number;
  /** A verdict, or "none": cases without one yet. */
  verdict?: Verdict | "none";
  /** Words of the title, or an indicator's exact value. */
  q?: string;
  /** Older than this id (the next page). */
  cursor?: number;
  /** Newer than this id (live updates). */
  after?: number;
  /** At most MAX_PAGE (default 50). */
  limit?: number;
}

/** LIKE pattern of a plain text: its % _ and \ escaped. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A page of the case queue, newest first, each case with its sender and counts; nextCursor reads the page after it. */
export async function listCases(store: Store, query: CaseListQuery) {
  const limit = Math.min(query.limit ?? 50, MAX_PAGE);
  let select = store.db.selectFrom("cases").selectAll();
  if (query.status) select = select.where("status", "=", query.status);
  if (query.priority !== undefined) select = select.where("priority", "=", query.priority);
  if (query.verdict === "none") select = select.where("verdict", "is", null);
  else if (query.verdict) select = select.where("verdict", "=", query.verdict);
  if (query.q) {
    const pattern = likePattern(query.q);
    // IN (subquery) is evaluated once, not once per case as a correlated EXISTS would be.
    select = select.where((eb) =>
      eb.or([
        sql<boolean>`title like ${pattern} escape '\\'`,
        eb(
          "id",
          "in",
          eb
            .selectFrom("entities")
            .select("entities.case_id")
            .where("entities.value_hash", "=", valueHash(query.q!))
            .where("entities.value", "=", query.q!),
        ),
      ]),
    );
  }
  if (query.cursor !== undefined) select = select.where("id", "<", query.cursor);
  if (query.after !== undefined) select = select.where("id", ">", query.after);
  const rows = await select
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const ids = page.map((r) => r.id);
  const counts = ids.length
    ? await store.db
        .selectFrom("entities")
        .select(["case_id", "type", (eb) => eb.fn.countAll<number>().as("n")])
        .where("case_id", "in", ids)
        .groupBy(["case_id", "type"])
        .execute()
    : [];
  const senders = ids.length
    ? reportedSenders(
        await store.db
          .selectFrom("entities")
          .select(["case_id", "value", "depth"])
          .where("case_id", "in", ids)
          .where("type", "=", "EMAIL_ADDRESS")
          .where("role", "=", "sender")
          .orderBy("id")
          .execute(),
      )
    : [];
  const files = ids.length
    ? await store.db
        .selectFrom("alert_files")
        .innerJoin("alerts", "alerts.id", "alert_files.alert_pk")
        .select(["alerts.case_id", (eb) => eb.fn.countAll<number>().as("n")])
        .where("alerts.case_id", "in", ids)
        .groupBy("alerts.case_id")
        .execute()
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

export type ListedCase = Awaited<ReturnType<typeof listCases>>["cases"][number];

/** One case's row; CASE_NOT_FOUND when there is none. */
export async function findCase(store: Store, id: number) {
  const row = await store.db.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new CaseNotFound(id);
  return row;
}

/** CASE_NOT_FOUND unless the case exists (its row left unread). */
export async function requireCase(store: Store, id: number): Promise<void> {
  const found = await store.db.selectFrom("cases").select("id").where("id", "=", id).executeTakeFirst();
  if (!found) throw new CaseNotFound(id);
}

/** A case's comments and its status, priority, merge and verdict changes, oldest first (at most 1,000 of each). */
export async function caseTimeline(store: Store, id: number) {
  const [comments, history] = await Promise.all([
    store.db.selectFrom("case_comments").selectAll().where("case_id", "=", id).orderBy("id").limit(1000).execute(),
    historyRows(store, id, 1000),
  ]);
  return { comments, history };
}

/** A case's history rows, oldest first: the console's timeline (its first `limit`) and the CLI's history (all). */
function historyRows(store: Store, caseId: number, limit?: number) {
  return store.db
    .selectFrom("case_history")
    .selectAll()
    .where("case_id", "=", caseId)
    .orderBy("id")
    .$if(limit !== undefined, (query) => query.limit(limit!))
    .execute();
}

export interface CaseAction {
  caseId: number;
  action: string;
  actor: string;
  detail: Record<string, unknown>;
  createdAt: number;
}

/** Everything done to a case, oldest first: status and priority changes, merges and moves (comments apart). */
export async function caseHistory(store: Store, caseId: number): Promise<CaseAction[]> {
  const rows = await historyRows(store, caseId);
  return rows.map((r) => ({ caseId: r.case_id, action: r.kind, actor: r.user_name, detail: actionDetail(r), createdAt: r.created_at }));
}

type HistoryRow = { kind: string; from_value: string; to_value: string; reason: string | null; alert_id: string | null };

function actionDetail(row: HistoryRow): Record<string, unknown> {
  switch (row.kind) {
    case "merge":
      return { from: row.from_value.split(",").map(Number) };
    case "merged_into":
      return { into: Number(row.to_value) };
    case "move_out":
      return { alert: row.alert_id, to: Number(row.to_value) };
    case "moved_in":
      return { alert: row.alert_id, from: Number(row.from_value) };
    default:
      return { from: row.from_value, to: row.to_value, ...(row.reason ? { reason: row.reason } : {}) };
  }
}

export type CaseTimeline = Awaited<ReturnType<typeof caseTimeline>>;

/** The files of a case's alerts (their bytes left unread), each with the id of the alert it came with. */
export async function caseFiles(store: Store, caseId: number) {
  const alertRows = await store.db.selectFrom("alerts").select(["id", "alert_id"]).where("case_id", "=", caseId).execute();
  const files = alertRows.length
    ? await store.db
        .selectFrom("alert_files")
        .select(["id", "alert_pk", "file_name", "content_type", "size", "sha256"])
        .where(
          "alert_pk",
          "in",
          alertRows.map((a) => a.id),
        )
        .execute()
    : [];
  return files.map((f) => ({ ...f, alert_id: alertRows.find((a) => a.id === f.alert_pk)?.alert_id ?? "" }));
}

export type CaseFile = Awaited<ReturnType<typeof caseFiles>>[number];

const MESSAGE_TYPE = "message/rfc822";

/**
 * Whether a stored file is a reported message: a message/rfc822 part or any *.eml (the Email Connector keeps the
 * message as fetched as original.eml; another connector may name it otherwise). originalMessage reads by this rule.
 */
export function isOriginalMessage(file: { file_name: string; content_type: string }): boolean {
  return file.content_type === MESSAGE_TYPE || file.file_name.toLowerCase().endsWith(".eml");
}

/**
 * The bytes of a case's reported message, as stored: the first by isOriginalMessage's rule (of one alert's files,
 * given its alert id). CASE_NOT_FOUND when the case does not exist, EML_NOT_FOUND when it keeps no message.
 */
export async function originalMessage(store: Store, caseId: number, alertId?: string): Promise<Buffer> {
  const file = await store.db
    .selectFrom("alert_files")
    .innerJoin("alerts", "alerts.id", "alert_files.alert_pk")
    .select(["alert_files.data", "alert_files.encoding"])
    .where("alerts.case_id", "=", caseId)
    // lower(): PostgreSQL's like minds case, SQLite's does not; isOriginalMessage does not either.
    .where((eb) =>
      eb.or([eb("alert_files.content_type", "=", MESSAGE_TYPE), eb(eb.fn("lower", ["alert_files.file_name"]), "like", "%.eml")]),
    )
    .$if(alertId !== undefined, (query) => query.where("alerts.alert_id", "=", alertId!))
    .orderBy("alert_files.id")
    .limit(1)
    .executeTakeFirst();
  if (file) return fileBytes(file);
  await requireCase(store, caseId);
  throw new EmlNotFound(caseId);
}

/** The newest `limit` cases of the queue (a page at a time: no page cap), as listCases lists them. */
export async function newestCases(
  store: Store,
  query: Omit<CaseListQuery, "cursor" | "after" | "limit"> & { limit: number },
): Promise<ListedCase[]> {
  const cases: ListedCase[] = [];
  let cursor: number | undefined;
  while (cases.length < query.limit) {
    const limit = Math.min(query.limit - cases.length, MAX_PAGE);
    const page = await listCases(store, { ...query, limit, ...(cursor !== undefined ? { cursor } : {}) });
    cases.push(...page.cases);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return cases;
}
