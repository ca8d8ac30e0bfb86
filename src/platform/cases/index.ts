// Reading cases back: with their alerts and events in SPEC.md's field names (export, CLI, API).
import type { EntityRole } from "../../sdk/alert.js";
import type { Store } from "../store/index.js";
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
  /** CONTRACT.md's shape, once a verdict was set (an analyst's override when there is one). */
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
  const events = alertIds.length ? await store.db.selectFrom("events").selectAll().where("alert_pk", "in", alertIds).orderBy("alert_pk").orderBy("position").execute() : [];
  const entities = alertIds.length ? await store.db.selectFrom("entities").selectAll().where("alert_pk", "in", alertIds).orderBy("id").execute() : [];
  const eventsByAlert = group(events, (e) => e.alert_pk);
  const entitiesByAlert = group(entities, (e) => e.alert_pk);
  const alertsByCase = group(alerts, (a) => a.case_id);
  const links = group(await store.db.selectFrom("case_links").selectAll().where("case_id", "in", caseIds).orderBy("created_at").execute(), (l) => l.case_id);
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
        entities: (entitiesByAlert.get(alert.id) ?? []).map((e) => ({ ...(JSON.parse(e.data) as object), type: e.type, value: e.value, source: e.source, role: e.role, depth: e.depth })),
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
    const ids = (await store.db.selectFrom("cases").select("id").where("id", ">", after).orderBy("id").limit(PAGE).execute()).map((r) => r.id);
    if (ids.length === 0) return;
    yield* await loadCases(store, ids);
    after = ids[ids.length - 1]!;
  }
}

export { addCaseComment, caseHistory, mergeCases, moveAlertOut, setCasePriority, setCaseStatus } from "./actions.js";
export { applyCaseUpdates, caseServices, caseVerdict, findEarlierCases, overrideVerdict, verdictHistory, verdictOf } from "./verdicts.js";
export type { CaseVerdict, VerdictHistoryEntry } from "./verdicts.js";
export {
  CASE_STATUSES, isCaseStatus, isVerdict, VERDICTS, type Verdict, PRIORITIES, priorityName, type CaseStatus,
} from "../../sdk/vocabulary.js";
export { reportedSenders, reportersOf } from "./reporting.js";
export type { RoleEntity } from "./reporting.js";
export type { CaseAction } from "./actions.js";
