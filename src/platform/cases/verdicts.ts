// A case's verdict: set by an action (applied with its run) or overridden by an analyst, every setting kept
// in case_verdicts; the case changes an action stages; earlier cases holding the same indicators.
import type { Kysely } from "kysely";
import { z } from "zod";
import {
  CASE_SERVICES,
  MAX_EARLIER_CASES,
  MAX_EARLIER_QUERIES,
  MAX_PREVALENCE_CASES,
  MAX_PREVALENCE_DOMAINS,
  type CaseUpdates,
  type CaseVerdictUpdate,
  type DomainPrevalence,
  type EarlierCase,
  type EarlierCaseQuery,
  type VerdictGrounds,
} from "../../sdk/action.js";
import { SOURCE_RELIABILITIES } from "../../sdk/intel.js";
import {
  EVIDENCE_KINDS,
  MAX_EVIDENCE_INDICATOR_LENGTH,
  MAX_EVIDENCE_NAME_LENGTH,
  MAX_EVIDENCE_WEIGHT,
  MAX_VERDICT_EVIDENCE,
  MAX_VERDICT_REASON_LENGTH,
  MAX_VERDICT_REASONS,
  type VerdictEvidence,
} from "../../sdk/verdict.js";
import { CaseNotFound, CaseVerdictInvalid, Validation } from "../errors.js";
import { valueHash, type Database, type Store } from "../store/index.js";
import { addCaseHistory, changeCaseIn } from "./actions.js";
import { isVerdict, VERDICTS, type Verdict } from "../../sdk/vocabulary.js";

export interface CaseVerdict {
  value: Verdict;
  score: number | null;
  reasons: string[];
  /** What the reasons rest on, with their points ([] for an analyst's override and verdicts set before 0018). */
  evidence: VerdictEvidence[];
  setBy: string;
  setAt: number;
  overridden: boolean;
}

export interface VerdictHistoryEntry {
  value: Verdict;
  score: number | null;
  reasons: string[];
  evidence: VerdictEvidence[];
  setBy: string;
  override: boolean;
  comment: string | null;
  /** False: an action's verdict that an analyst's earlier override kept out. */
  applied: boolean;
  createdAt: number;
}

const evidenceItemSchema = z
  .object({
    kind: z.enum(EVIDENCE_KINDS),
    weight: z.number().finite().min(-MAX_EVIDENCE_WEIGHT).max(MAX_EVIDENCE_WEIGHT),
    reason: z.string().max(MAX_VERDICT_REASON_LENGTH),
    indicator: z.string().max(MAX_EVIDENCE_INDICATOR_LENGTH).optional(),
    feed: z.string().max(MAX_EVIDENCE_NAME_LENGTH).optional(),
    reliability: z.enum(SOURCE_RELIABILITIES).optional(),
    caseId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    decidedBy: z.string().max(MAX_EVIDENCE_NAME_LENGTH).optional(),
  })
  .strict();

/** A verdict's evidence as an action's process may send it (its code is untrusted): bounded, known fields only. */
export const evidenceSchema = z.array(evidenceItemSchema).max(MAX_VERDICT_EVIDENCE);

/** The evidence checked again where it is stored (a caller other than the action runner is no more trusted). */
function checkEvidence(evidence: unknown): VerdictEvidence[] {
  if (evidence === undefined) return [];
  const parsed = evidenceSchema.safeParse(evidence);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CaseVerdictInvalid(`verdict evidence ${issue.path.join(".") || "(list)"}: ${issue.message}`);
  }
  return parsed.data as VerdictEvidence[];
}

function parseEvidence(text: string | null): VerdictEvidence[] {
  if (text === null) return [];
  const parsed = evidenceSchema.safeParse(JSON.parse(text));
  return parsed.success ? (parsed.data as VerdictEvidence[]) : [];
}

/** The case's verdict from its row (null: none set yet). */
export function verdictOf(row: {
  verdict: Verdict | null;
  verdict_score: number | null;
  verdict_reasons: string | null;
  verdict_evidence?: string | null;
  verdict_set_by: string | null;
  verdict_set_at: number | null;
  verdict_overridden: number;
}): CaseVerdict | null {
  if (row.verdict === null) return null;
  return {
    value: row.verdict,
    score: row.verdict_score === null ? null : Number(row.verdict_score),
    reasons: JSON.parse(row.verdict_reasons ?? "[]") as string[],
    evidence: parseEvidence(row.verdict_evidence ?? null),
    setBy: row.verdict_set_by ?? "",
    setAt: Number(row.verdict_set_at ?? 0),
    overridden: Number(row.verdict_overridden) === 1,
  };
}

/**
 * Sets the verdict inside the caller's transaction and keeps it in the history. An analyst's override
 * wins: a later verdict from an action is recorded but not applied (returns false).
 */
export async function setVerdictIn(
  trx: Kysely<Database>,
  caseId: number,
  verdict: CaseVerdictUpdate,
  actor: string,
  options: { override?: boolean; comment?: string } = {},
): Promise<boolean> {
  const row = await trx.selectFrom("cases").select(["verdict", "verdict_overridden"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  const override = options.override ?? false;
  const applied = override || Number(row.verdict_overridden) !== 1;
  const now = Date.now();
  const reasons = verdict.reasons.slice(0, MAX_VERDICT_REASONS).map((reason) => String(reason).slice(0, MAX_VERDICT_REASON_LENGTH));
  // An analyst's override rests on the analyst, not on items: stored as [].
  const evidence = JSON.stringify(override ? [] : checkEvidence(verdict.evidence));
  const comment = options.comment ?? (applied ? null : "not applied: an analyst overrode the verdict");
  await trx
    .insertInto("case_verdicts")
    .values({
      case_id: caseId,
      value: verdict.value,
      score: verdict.score ?? null,
      reasons: JSON.stringify(reasons),
      evidence,
      set_by: actor,
      override: override ? 1 : 0,
      comment,
      applied: applied ? 1 : 0,
      created_at: now,
    })
    .execute();
  if (!applied) return false;
  await trx
    .updateTable("cases")
    .set({
      verdict: verdict.value,
      verdict_score: verdict.score ?? null,
      verdict_reasons: JSON.stringify(reasons),
      verdict_evidence: evidence,
      verdict_set_by: actor,
      verdict_set_at: now,
      verdict_overridden: override ? 1 : 0,
      updated_at: now,
    })
    .where("id", "=", caseId)
    .execute();
  await addCaseHistory(
    trx,
    {
      case_id: caseId,
      user_name: actor,
      kind: "verdict",
      from_value: row.verdict ?? "",
      to_value: verdict.value,
      reason: options.comment ?? null,
    },
    now,
  );
  return true;
}

/** An analyst's verdict (CLI, API, console): it needs a reason, and later verdicts from actions do not replace it. */
export async function overrideVerdict(store: Store, caseId: number, value: string, reason: string, actor: string): Promise<CaseVerdict> {
  if (!isVerdict(value)) throw new CaseVerdictInvalid(`verdict ${JSON.stringify(value)}: use one of ${VERDICTS.join(", ")}`);
  const why = reason.trim().slice(0, 2000);
  if (!why) throw new CaseVerdictInvalid("overriding a verdict needs a reason (--reason)");
  await store.db
    .transaction()
    .execute((trx) => setVerdictIn(trx, caseId, { value, reasons: [why] }, actor, { override: true, comment: why }));
  return (await caseVerdict(store, caseId))!;
}

export async function caseVerdict(store: Store, caseId: number): Promise<CaseVerdict | null> {
  const row = await store.db
    .selectFrom("cases")
    .select(["verdict", "verdict_score", "verdict_reasons", "verdict_evidence", "verdict_set_by", "verdict_set_at", "verdict_overridden"])
    .where("id", "=", caseId)
    .executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  return verdictOf(row);
}

/** Every verdict set on the case, oldest first. */
export async function verdictHistory(store: Store, caseId: number): Promise<VerdictHistoryEntry[]> {
  const rows = await store.db.selectFrom("case_verdicts").selectAll().where("case_id", "=", caseId).orderBy("id").execute();
  return rows.map((row) => ({
    value: row.value,
    score: row.score === null ? null : Number(row.score),
    reasons: JSON.parse(row.reasons) as string[],
    evidence: parseEvidence(row.evidence),
    setBy: row.set_by,
    override: Number(row.override) === 1,
    comment: row.comment,
    applied: Number(row.applied) === 1,
    createdAt: Number(row.created_at),
  }));
}

/** Applies the case changes an action staged, inside the transaction that records its run: verdict, priority, then close. */
export async function applyCaseUpdates(trx: Kysely<Database>, caseId: number, updates: CaseUpdates, actor: string): Promise<void> {
  if (updates.verdict) await setVerdictIn(trx, caseId, updates.verdict, actor);
  const row = await trx.selectFrom("cases").select(["priority", "status"]).where("id", "=", caseId).executeTakeFirst();
  if (!row) throw new CaseNotFound(caseId);
  if (updates.priority !== undefined && updates.priority !== Number(row.priority))
    await changeCaseIn(trx, caseId, actor, "priority", { priority: updates.priority }, null);
  if (updates.close && row.status !== "closed")
    await changeCaseIn(trx, caseId, actor, "status", { status: "closed", closed_reason: updates.close.reason }, updates.close.reason);
}

const queriesSchema = z
  .object({
    caseId: z.number().int().positive(),
    items: z.array(z.object({ entityType: z.string().max(100), identifier: z.string().max(8000) }).strict()).max(MAX_EARLIER_QUERIES),
  })
  .strict();

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
      const rows = await store.db
        .selectFrom("case_keys")
        .select(["case_id", "value"])
        .distinct()
        .where("kind", "=", "file")
        .where("value_hash", "in", list.map(valueHash))
        .where("value", "in", list)
        .where("case_id", "<", caseId)
        .orderBy("case_id", "desc")
        .limit(MAX_MATCH_ROWS)
        .execute();
      matches.push(...rows.map((row) => ({ case_id: Number(row.case_id), entityType: type, identifier: row.value })));
    } else if (type === "URL" || type === "DOMAIN" || type === "IP" || type === "EMAIL_ADDRESS") {
      const rows = await store.db
        .selectFrom("entities")
        .select(["case_id", "value"])
        .distinct()
        .where("type", "=", type)
        .where("value_hash", "in", list.map(valueHash))
        .where("value", "in", list)
        .where("case_id", "<", caseId)
        .$if(type === "EMAIL_ADDRESS", (query) => query.where("role", "=", "sender"))
        .orderBy("case_id", "desc")
        .limit(MAX_MATCH_ROWS)
        .execute();
      matches.push(...rows.map((row) => ({ case_id: Number(row.case_id), entityType: type, identifier: row.value })));
    }
  }
  const matched = new Map<number, EarlierCaseQuery[]>();
  for (const match of matches) {
    const list = matched.get(match.case_id) ?? [];
    if (!list.some((item) => item.entityType === match.entityType && item.identifier === match.identifier))
      list.push({ entityType: match.entityType, identifier: match.identifier });
    matched.set(match.case_id, list);
  }
  const ids = [...matched.keys()].sort((a, b) => b - a).slice(0, MAX_EARLIER_CASES);
  if (ids.length === 0) return [];
  const cases = (await store.db.selectFrom("cases").selectAll().where("id", "in", ids).orderBy("id", "desc").execute())
    // A case merged into another is an empty shell: its indicators went with its alerts.
    .filter((row) => Number(row.alert_count) > 0);
  const closers = await closedBy(
    store,
    cases.filter((row) => row.status === "closed").map((row) => Number(row.id)),
  );
  return cases.map((row) => {
    const verdict = verdictOf(row);
    return {
      caseId: Number(row.id),
      title: row.title,
      status: row.status,
      closedReason: row.closed_reason,
      createdAt: Number(row.created_at),
      verdict: verdict
        ? {
            value: verdict.value,
            score: verdict.score,
            setBy: verdict.setBy,
            overridden: verdict.overridden,
            ...groundsOf(verdict, closers.get(Number(row.id))),
          }
        : null,
      matched: matched.get(Number(row.id)) ?? [],
    };
  });
}

/** Whether an actor is the platform's automation (a playbook's step, a job…) rather than a person. */
export function isAutomationActor(actor: string): boolean {
  return /^(playbook|job|connector|system|automation|worker|scheduler):/i.test(actor) || /^(system|automation)$/i.test(actor);
}

/** Who last closed each of these cases (case_history), for the cases closed now. */
async function closedBy(store: Store, caseIds: number[]): Promise<Map<number, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await store.db
    .selectFrom("case_history")
    .select(["case_id", "user_name"])
    .where("case_id", "in", caseIds)
    .where("kind", "=", "status")
    .where("to_value", "=", "closed")
    .orderBy("id", "asc")
    .execute();
  // Ascending: the last close of each case wins.
  return new Map(rows.map((row) => [Number(row.case_id), row.user_name]));
}

/**
 * What an earlier verdict rests on: a person (an override, or a close by a person while the verdict said
 * something), a feed (an item of kind "feed" that added points), or the machine (signals, earlier
 * verdicts), which must feed no other verdict.
 */
export function groundsOf(verdict: CaseVerdict, closer: string | undefined): { grounds: VerdictGrounds; decidedBy: string } {
  if (verdict.overridden) return { grounds: "analyst", decidedBy: `analyst ${verdict.setBy}` };
  if (closer !== undefined && !isAutomationActor(closer) && verdict.value !== "unknown")
    return { grounds: "analyst", decidedBy: `analyst ${closer}` };
  const feed = verdict.evidence.find((item) => item.kind === "feed" && item.weight > 0);
  if (feed) return { grounds: "feed", decidedBy: `feed ${feed.feed ?? "(unnamed)"}` };
  return { grounds: "machine", decidedBy: verdict.setBy };
}

const prevalenceSchema = z
  .object({
    caseId: z.number().int().positive(),
    domains: z.array(z.string().max(253)).max(MAX_PREVALENCE_DOMAINS),
  })
  .strict();

/**
 * For each registrable domain: the earlier cases (lower numbers) holding a DOMAIN entity of it, counted
 * over the newest MAX_PREVALENCE_CASES of them through the value-hash index, and how many of those are
 * malicious or benign. The payload comes from an action's process: validated here.
 */
export async function domainPrevalence(store: Store, payload: unknown): Promise<Record<string, DomainPrevalence>> {
  const parsed = prevalenceSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Validation(`${CASE_SERVICES.prevalence}: ${issue.path.join(".") || "(payload)"}: ${issue.message}`);
  }
  const { caseId, domains } = parsed.data;
  const out: Record<string, DomainPrevalence> = {};
  const counted = new Map<string, DomainPrevalence>();
  for (const given of domains) {
    const domain = given.trim().toLowerCase();
    let counts = counted.get(domain);
    if (!counts) {
      counts = { cases: 0, malicious: 0, benign: 0 };
      if (domain) {
        const caseIds = store.db
          .selectFrom("entities")
          .select("case_id")
          .distinct()
          .where("type", "=", "DOMAIN")
          .where("value_hash", "=", valueHash(domain))
          .where("value", "=", domain)
          .where("case_id", "<", caseId)
          .orderBy("case_id", "desc")
          .limit(MAX_PREVALENCE_CASES);
        const rows = await store.db
          .selectFrom("cases")
          .select(["verdict", (eb) => eb.fn.countAll<number>().as("count")])
          .where("id", "in", caseIds)
          .where("alert_count", ">", 0)
          .groupBy("verdict")
          .execute();
        for (const row of rows) {
          const count = Number(row.count);
          counts.cases += count;
          if (row.verdict === "malicious") counts.malicious += count;
          if (row.verdict === "benign") counts.benign += count;
        }
      }
      counted.set(domain, counts);
    }
    out[given] = { ...counts };
  }
  return out;
}

/** The platform's services about cases that action code may ask for (askPlatform). */
export function caseServices(store: Store): Record<string, (payload: unknown) => Promise<unknown>> {
  return {
    [CASE_SERVICES.earlier]: (payload) => findEarlierCases(store, payload),
    [CASE_SERVICES.prevalence]: (payload) => domainPrevalence(store, payload),
  };
}
