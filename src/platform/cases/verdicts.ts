// A case's verdict: set by an action (applied with its run) or overridden by an analyst, every setting kept
// in case_verdicts; the case changes an action stages; earlier cases holding the same indicators.
import type { Kysely } from "kysely";
import { z } from "zod";
import { MAX_EARLIER_CASES, MAX_EARLIER_QUERIES, type CaseUpdates, type CaseVerdictUpdate, type EarlierCase, type EarlierCaseQuery } from "../../sdk/action.js";
import { MAX_VERDICT_REASON_LENGTH, MAX_VERDICT_REASONS } from "../../sdk/verdict.js";
import { CaseNotFound, CaseVerdictInvalid, Validation } from "../errors.js";
import { valueHash, type Database, type Store } from "../store/index.js";
import { changeCaseIn } from "./actions.js";
import { isVerdict, VERDICTS, type Verdict } from "./vocabulary.js";

export interface CaseVerdict {
  value: Verdict;
  score: number | null;
  reasons: string[];
  setBy: string;
  setAt: number;
  overridden: boolean;
}

export interface VerdictHistoryEntry {
  value: Verdict;
  score: number | null;
  reasons: string[];
  setBy: string;
  override: boolean;
  comment: string | null;
  /** False: an action's verdict that an analyst's earlier override kept out. */
  applied: boolean;
  createdAt: number;
}

/** The case's verdict from its row (null: none set yet). */
export function verdictOf(row: { verdict: Verdict | null; verdict_score: number | null; verdict_reasons: string | null; verdict_set_by: string | null; verdict_set_at: number | null; verdict_overridden: number }): CaseVerdict | null {
  if (row.verdict === null) return null;
  return {
    value: row.verdict, score: row.verdict_score === null ? null : Number(row.verdict_score), reasons: JSON.parse(row.verdict_reasons ?? "[]") as string[],
    setBy: row.verdict_set_by ?? "", setAt: Number(row.verdict_set_at ?? 0), overridden: Number(row.verdict_overridden) === 1,
  };
}

/**
 * Sets the verdict inside the caller's transaction and keeps it in the history. An analyst's override
 * wins: a later verdict from an action is recorded but not applied (returns false).
 */
export async function setVerdictIn(
  trx: Kysely<Database>, caseId: number, verdict: CaseVerdictUpdate, actor: string, options: { override?: boolean; comment?: string } = {},
): Promise<boolean> {
  const row = await trx.selectFrom("cases").select(["verdict", "verdict_overridden"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  const override = options.override ?? false;
  const applied = override || Number(row.verdict_overridden) !== 1;
  const now = Date.now();
  const reasons = verdict.reasons.slice(0, MAX_VERDICT_REASONS).map((reason) => String(reason).slice(0, MAX_VERDICT_REASON_LENGTH));
  const comment = options.comment ?? (applied ? null : "not applied: an analyst overrode the verdict");
  await trx.insertInto("case_verdicts").values({
    case_id: caseId, value: verdict.value, score: verdict.score ?? null, reasons: JSON.stringify(reasons), set_by: actor,
    override: override ? 1 : 0, comment, applied: applied ? 1 : 0, created_at: now,
  }).execute();
  if (!applied) return false;
  await trx.updateTable("cases").set({
    verdict: verdict.value, verdict_score: verdict.score ?? null, verdict_reasons: JSON.stringify(reasons), verdict_set_by: actor, verdict_set_at: now,
    verdict_overridden: override ? 1 : 0, updated_at: now,
  }).where("id", "=", caseId).execute();
  await trx.insertInto("case_history").values({
    case_id: caseId, user_name: actor, kind: "verdict", from_value: row.verdict ?? "", to_value: verdict.value, reason: options.comment ?? null, alert_id: null, created_at: now,
  }).execute();
  return true;
}

/** An analyst's verdict (CLI, API, console): it needs a reason, and later verdicts from actions do not replace it. */
export async function overrideVerdict(store: Store, caseId: number, value: string, reason: string, actor: string): Promise<CaseVerdict> {
  if (!isVerdict(value)) throw new CaseVerdictInvalid(`verdict ${JSON.stringify(value)}: use one of ${VERDICTS.join(", ")}`);
  const why = reason.trim().slice(0, 2000);
  if (!why) throw new CaseVerdictInvalid("overriding a verdict needs a reason (--reason)");
  await store.db.transaction().execute((trx) => setVerdictIn(trx, caseId, { value, reasons: [why] }, actor, { override: true, comment: why }));
  return (await caseVerdict(store, caseId))!;
}

export async function caseVerdict(store: Store, caseId: number): Promise<CaseVerdict | null> {
  const row = await store.db.selectFrom("cases").select(["verdict", "verdict_score", "verdict_reasons", "verdict_set_by", "verdict_set_at", "verdict_overridden"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  return verdictOf(row);
}

/** Every verdict set on the case, oldest first. */
export async function verdictHistory(store: Store, caseId: number): Promise<VerdictHistoryEntry[]> {
  const rows = await store.db.selectFrom("case_verdicts").selectAll().where("case_id", "=", caseId).orderBy("id").execute();
  return rows.map((row) => ({
    value: row.value, score: row.score === null ? null : Number(row.score), reasons: JSON.parse(row.reasons) as string[], setBy: row.set_by,
    override: Number(row.override) === 1, comment: row.comment, applied: Number(row.applied) === 1, createdAt: Number(row.created_at),
  }));
}

/** Applies the case changes an action staged, inside the transaction that records its run: verdict, priority, then close. */
export async function applyCaseUpdates(trx: Kysely<Database>, caseId: number, updates: CaseUpdates, actor: string): Promise<void> {
  if (updates.verdict) await setVerdictIn(trx, caseId, updates.verdict, actor);
  const row = await trx.selectFrom("cases").select(["priority", "status"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  if (updates.priority !== undefined && updates.priority !== Number(row.priority)) await changeCaseIn(trx, caseId, actor, "priority", { priority: updates.priority }, null);
  if (updates.close && row.status !== "closed") await changeCaseIn(trx, caseId, actor, "status", { status: "closed", closed_reason: updates.close.reason }, updates.close.reason);
}

const queriesSchema = z.object({
  caseId: z.number().int().positive(),
  items: z.array(z.object({ entityType: z.string().max(100), identifier: z.string().max(8000) }).strict()).max(MAX_EARLIER_QUERIES),
}).strict();

/** Rows read per kind of indicator: a sender shared by thousands of cases costs one bounded read. */
const MAX_MATCH_ROWS = 5000;

/**
 * Earlier cases (lower numbers than this one) holding the same URL, domain, IP, attachment SHA-256 or
 * reported sender, newest first, at most MAX_EARLIER_CASES, each with its verdict and how it was closed.
 * The payload comes from an action's process: validated here.
 */
export async function findEarlierCases(store: Store, payload: unknown): Promise<EarlierCase[]> {
  const parsed = queriesSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Validation(`cases.earlier: ${issue.path.join(".") || "(payload)"}: ${issue.message}`);
  }
  const { caseId, items } = parsed.data;
  const byType = new Map<string, Set<string>>();
  for (const item of items) {
    const type = item.entityType.toUpperCase();
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type)!.add(item.identifier);
  }
  const matches: { case_id: number; entityType: string; identifier: string }[] = [];
  for (const [type, values] of byType) {
    const list = [...values];
    if (list.length === 0) continue;
    if (type === "FILE") {
      const rows = await store.db.selectFrom("case_keys").select(["case_id", "value"]).distinct().where("kind", "=", "file")
        .where("value_hash", "in", list.map(valueHash)).where("value", "in", list).where("case_id", "<", caseId)
        .orderBy("case_id", "desc").limit(MAX_MATCH_ROWS).execute();
      matches.push(...rows.map((row) => ({ case_id: Number(row.case_id), entityType: type, identifier: row.value })));
    } else if (type === "URL" || type === "DOMAIN" || type === "IP" || type === "EMAIL_ADDRESS") {
      const rows = await store.db.selectFrom("entities").select(["case_id", "value"]).distinct().where("type", "=", type)
        .where("value_hash", "in", list.map(valueHash)).where("value", "in", list).where("case_id", "<", caseId)
        .$if(type === "EMAIL_ADDRESS", (query) => query.where("role", "=", "sender"))
        .orderBy("case_id", "desc").limit(MAX_MATCH_ROWS).execute();
      matches.push(...rows.map((row) => ({ case_id: Number(row.case_id), entityType: type, identifier: row.value })));
    }
  }
  const matched = new Map<number, EarlierCaseQuery[]>();
  for (const match of matches) {
    const list = matched.get(match.case_id) ?? [];
    if (!list.some((item) => item.entityType === match.entityType && item.identifier === match.identifier)) list.push({ entityType: match.entityType, identifier: match.identifier });
    matched.set(match.case_id, list);
  }
  const ids = [...matched.keys()].sort((a, b) => b - a).slice(0, MAX_EARLIER_CASES);
  if (ids.length === 0) return [];
  const cases = await store.db.selectFrom("cases").selectAll().where("id", "in", ids).orderBy("id", "desc").execute();
  return cases
    // A case merged into another is an empty shell: its indicators went with its alerts.
    .filter((row) => Number(row.alert_count) > 0)
    .map((row) => {
      const verdict = verdictOf(row);
      return {
        caseId: Number(row.id), title: row.title, status: row.status, closedReason: row.closed_reason, createdAt: Number(row.created_at),
        verdict: verdict ? { value: verdict.value, score: verdict.score, setBy: verdict.setBy, overridden: verdict.overridden } : null,
        matched: matched.get(Number(row.id)) ?? [],
      };
    });
}

/** The platform's services about cases that action code may ask for (askPlatform). */
export function caseServices(store: Store): Record<string, (payload: unknown) => Promise<unknown>> {
  return { "cases.earlier": (payload) => findEarlierCases(store, payload) };
}
