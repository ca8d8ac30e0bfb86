// What analysts do to grouping: merge cases, move an alert out to a case of its own. Each action is
// recorded with who and when, and ingest never undoes it (keys move with the alerts).
import {
  AlertNotFound,
  CaseCommentInvalid,
  CaseMerge,
  CaseNotFound,
  CasePriorityInvalid,
  CaseSingleAlert,
  CaseStatusInvalid,
} from "../errors.js";
import { displaySubject, refreshCase } from "../grouping/index.js";
import type { CaseHistoryTable, CaseTable, Database, Store } from "../store/index.js";
import type { Insertable, Kysely, Updateable } from "kysely";
import { CASE_STATUSES, isCaseStatus, isPriority, PRIORITIES } from "../../sdk/vocabulary.js";

/** Moves every alert of the source cases into the target; the sources are closed as merged. */
export async function mergeCases(store: Store, targetId: number, sourceIds: number[], actor: string): Promise<void> {
  const sources = [...new Set(sourceIds)].filter((id) => id !== targetId);
  if (sources.length === 0) throw new CaseMerge("name at least one case to merge into another");
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom("cases")
      .select(["id", "environment", "status"])
      .where("id", "in", [targetId, ...sources])
      .execute();
    const target = found.find((c) => c.id === targetId);
    if (!target) throw new CaseNotFound(targetId);
    for (const id of sources) if (!found.some((c) => c.id === id)) throw new CaseNotFound(id);
    // A case merged away is an empty shell pointing elsewhere: alerts belong in the case it went to.
    const into = await trx
      .selectFrom("case_links")
      .select("linked_case_id")
      .where("case_id", "=", targetId)
      .where("reason", "=", "merged into")
      .executeTakeFirst();
    if (into) throw new CaseMerge(`case ${targetId} was merged into case ${into.linked_case_id}: merge into that one`);
    // Each alert says why it is in its case: these are here because an analyst merged them.
    const moving = await trx.selectFrom("alerts").select(["id", "case_id", "data"]).where("case_id", "in", sources).execute();
    for (const alert of moving) {
      await trx
        .updateTable("alerts")
        .set({ data: withGroupedBy(alert.data, `merged from case ${alert.case_id} by ${actor}`) })
        .where("id", "=", alert.id)
        .execute();
    }
    for (const table of ["alerts", "entities", "case_keys"] as const) {
      await trx.updateTable(table).set({ case_id: targetId }).where("case_id", "in", sources).execute();
    }
    await trx
      .updateTable("cases")
      .set({ status: "closed", closed_reason: `merged into case ${targetId}`, alert_count: 0, updated_at: now })
      .where("id", "in", sources)
      .execute();
    await trx
      .insertInto("case_links")
      .values(
        sources.flatMap((id) => [
          { case_id: id, linked_case_id: targetId, reason: "merged into", created_at: now },
          { case_id: targetId, linked_case_id: id, reason: "merged from", created_at: now },
        ]),
      )
      .execute();
    await trx
      .insertInto("case_history")
      .values([
        {
          case_id: targetId,
          user_name: actor,
          kind: "merge",
          from_value: sources.join(","),
          to_value: String(targetId),
          reason: null,
          alert_id: null,
          created_at: now,
        },
        ...sources.map((id) => ({
          case_id: id,
          user_name: actor,
          kind: "merged_into",
          from_value: String(id),
          to_value: String(targetId),
          reason: null,
          alert_id: null,
          created_at: now,
        })),
      ])
      .execute();
    await refreshCase(trx, targetId, now);
  });
}

/** Moves one alert (by its alert id) out of its case into a new case of its own; returns the new case's id. */
export async function moveAlertOut(store: Store, caseId: number, alertId: string, actor: string): Promise<number> {
  const now = Date.now();
  return store.db.transaction().execute(async (trx) => {
    const alert = await trx
      .selectFrom("alerts")
      .select(["id", "case_id", "name", "priority", "environment", "start_time", "data"])
      .where("alert_id", "=", alertId)
      .executeTakeFirst();
    if (!alert || alert.case_id !== caseId) throw new AlertNotFound(caseId, JSON.stringify(alertId));
    const count = await trx
      .selectFrom("alerts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("case_id", "=", caseId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) < 2) throw new CaseSingleAlert(JSON.stringify(alertId), caseId);
    const created = await trx
      .insertInto("cases")
      .values({
        title: displaySubject(alert.name) || "(no subject)",
        priority: alert.priority,
        status: "open",
        environment: alert.environment,
        created_at: now,
        updated_at: now,
        alert_count: 1,
        first_seen: alert.start_time,
        last_seen: alert.start_time,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .updateTable("alerts")
      .set({ case_id: created.id, data: withGroupedBy(alert.data, `moved out of case ${caseId} by ${actor}`) })
      .where("id", "=", alert.id)
      .execute();
    for (const table of ["entities", "case_keys"] as const) {
      await trx.updateTable(table).set({ case_id: created.id }).where("alert_pk", "=", alert.id).execute();
    }
    await trx
      .insertInto("case_links")
      .values([
        { case_id: created.id, linked_case_id: caseId, reason: "moved out of", created_at: now },
        { case_id: caseId, linked_case_id: created.id, reason: "alert moved to", created_at: now },
      ])
      .execute();
    const moved = {
      user_name: actor,
      from_value: String(caseId),
      to_value: String(created.id),
      reason: null,
      alert_id: alertId,
      created_at: now,
    };
    await trx
      .insertInto("case_history")
      .values([
        { case_id: caseId, kind: "move_out", ...moved },
        { case_id: created.id, kind: "moved_in", ...moved },
      ])
      .execute();
    await refreshCase(trx, caseId, now);
    return created.id;
  });
}

/** The alert's stored data with its reason for being in its case replaced. */
function withGroupedBy(data: string, reason: string): string {
  return JSON.stringify({ ...(JSON.parse(data) as Record<string, unknown>), groupedBy: reason });
}

/**
 * Sets a case's status (closing needs a reason), recorded with who and when in the case's history:
 * the one change the CLI and the console's API both make.
 */
export async function setCaseStatus(store: Store, caseId: number, status: string, actor: string, reason = ""): Promise<void> {
  if (!isCaseStatus(status)) throw new CaseStatusInvalid(`status ${JSON.stringify(status)}: use one of ${CASE_STATUSES.join(", ")}`);
  const why = reason.trim().slice(0, 2000);
  if (status === "closed" && !why) throw new CaseStatusInvalid("closing a case needs a reason");
  await changeCase(store, caseId, actor, "status", { status, closed_reason: status === "closed" ? why : null }, why || null);
}

/** Sets a case's priority (a value of the scale), recorded with who and when in the case's history. */
export async function setCasePriority(store: Store, caseId: number, priority: number, actor: string): Promise<void> {
  if (!isPriority(priority)) throw new CasePriorityInvalid(JSON.stringify(priority), PRIORITIES.join(", "));
  await changeCase(store, caseId, actor, "priority", { priority }, null);
}

/** Adds an analyst's comment to a case. */
export async function addCaseComment(store: Store, caseId: number, actor: string, body: string): Promise<void> {
  if (!body.trim()) throw new CaseCommentInvalid();
  await store.db.transaction().execute(async (trx) => {
    if (!(await trx.selectFrom("cases").select("id").where("id", "=", caseId).executeTakeFirst())) throw new CaseNotFound(caseId);
    await trx.insertInto("case_comments").values({ case_id: caseId, user_name: actor, body, created_at: Date.now() }).execute();
  });
}

/** A change of one field of a case: the case, who changes it, which field, the columns set and why (the history's reason). */
type CaseFieldChange = [caseId: number, actor: string, kind: "status" | "priority", change: Updateable<CaseTable>, reason: string | null];

/** Changes one field of a case and records the change (from → to) in its history, in one transaction. */
async function changeCase(store: Store, ...fieldChange: CaseFieldChange): Promise<void> {
  await store.db.transaction().execute((trx) => changeCaseIn(trx, ...fieldChange));
}

/** changeCase inside a transaction the caller holds (an action run's case updates are applied with the run). */
export async function changeCaseIn(trx: Kysely<Database>, ...[caseId, actor, kind, change, reason]: CaseFieldChange): Promise<void> {
  const now = Date.now();
  const row = await trx.selectFrom("cases").select(["status", "priority"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  await trx
    .updateTable("cases")
    .set({ ...change, updated_at: now })
    .where("id", "=", caseId)
    .execute();
  await addCaseHistory(
    trx,
    { case_id: caseId, user_name: actor, kind, from_value: String(row[kind]), to_value: String(change[kind]), reason },
    now,
  );
}

/** Keeps one change of a case's own field (status, priority, verdict) in the case's history: who, from, to, why and when. */
export async function addCaseHistory(
  trx: Kysely<Database>,
  entry: Omit<Insertable<CaseHistoryTable>, "id" | "alert_id" | "created_at">,
  now: number,
): Promise<void> {
  await trx
    .insertInto("case_history")
    .values({ ...entry, alert_id: null, created_at: now })
    .execute();
}
