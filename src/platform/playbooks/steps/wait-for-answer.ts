// Step kind "waitForAnswer" (Wait For Reporter's Answer): waits until the reporter answers in the thread of a reply
// Intake sent on the case, or until its time is up; then the run goes on with the answer's text, or "timed_out".
import { z } from "zod";
import type { Kysely } from "kysely";
import type { Database, PlaybookStepTable } from "../../store/index.js";
import type { PlaybookExecutor } from "../executor.js";
import type { Playbook } from "../schema.js";
import { flowFields, stepId, type AlertClaim, type NewAlert, type StepKind } from "./kind.js";

/** What the step's row names in its `action` column, and how ingest's claim finds cases waiting for an answer. */
export const WAIT_FOR_ANSWER = "Wait For Reporter's Answer";
/** The grouping reason of an answer's alert: it joins the case it answers. */
export const ANSWER_REASON = "the reporter's answer";
/** Characters kept of an answer's text: it is the outsider's words, read by later steps and shown on the case wall. */
export const MAX_ANSWER_TEXT = 4000;
const MAX_THREAD_IDS = 50;
/** Alerts of a case looked at for an answer, oldest first (the first answer counts). */
const MAX_CANDIDATES = 200;

export const waitForAnswerStepSchema = z
  .object({
    ...flowFields,
    waitForAnswer: z
      .object({
        /** How long to wait; fractions allowed (0.5 is thirty seconds), up to 30 days. */
        timeoutMinutes: z
          .number()
          .min(0.05)
          .max(60 * 24 * 30),
        /** The earlier step whose mail the answer must reply to; by default any mail Intake sent on the case. */
        replyStep: stepId.optional(),
      })
      .strict(),
  })
  .strict();

export type WaitForAnswerStep = z.infer<typeof waitForAnswerStepSchema>;

/** The Message-IDs (with their angle brackets) an event's In-Reply-To and References name. */
export function threadIds(event: Record<string, unknown> | undefined): string[] {
  if (!event) return [];
  const texts = [event.InReplyTo, ...(Array.isArray(event.References) ? event.References : [event.References])].filter(
    (v): v is string => typeof v === "string",
  );
  const ids = new Set<string>();
  for (const text of texts) for (const match of text.slice(0, 20_000).matchAll(/<[^<>\s]{1,900}>/g)) ids.add(match[0]);
  return [...ids].slice(0, MAX_THREAD_IDS);
}

/**
 * The answer's own words, safe to pass on: the quoted mail below "On … wrote:" or ">" lines dropped, control,
 * zero-width and direction-changing characters removed, capped. Values are never read again as placeholders.
 */
export function answerText(raw: unknown): string {
  const text = (typeof raw === "string" ? raw : "")
    .slice(0, MAX_ANSWER_TEXT * 4)
    .normalize("NFC")
    .replace(/\r\n?/g, "\n");
  const lines = text.split("\n");
  const quoted = lines.findIndex(
    (line) => /^\s*>/.test(line) || /^On .{1,300} wrote:\s*$/.test(line) || /^-{2,}\s*Original Message\s*-{2,}/i.test(line),
  );
  const own = (quoted > 0 ? lines.slice(0, quoted) : lines).join("\n");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = own.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, "").trim();
  return clean.length > MAX_ANSWER_TEXT ? `${clean.slice(0, MAX_ANSWER_TEXT)}…` : clean;
}

export const waitForAnswerStep: StepKind<WaitForAnswerStep> = {
  name: "wait for the reporter's answer",
  key: "waitForAnswer",
  schema: waitForAnswerStepSchema,
  label: () => WAIT_FOR_ANSWER,
  async validate(step, index, { earlier }) {
    const where = `step "${step.id}"`;
    if (step.when) earlier(`${where}: when`, step.when.step, index);
    if (step.waitForAnswer.replyStep) earlier(`${where}: replyStep`, step.waitForAnswer.replyStep, index);
  },
  async run(step, { executor, run, row, now }) {
    const dueAt = now + Math.round(step.waitForAnswer.timeoutMinutes * 60_000);
    await executor.storeStep(run.id, step.id, {
      status: "waiting",
      due_at: dueAt,
      started_at: row.started_at ?? now,
      attempts: row.attempts + 1,
    });
    // An answer already in (the reply went out and came back before this job ran) ends the wait now.
    await sweepAnswers(executor, now, run.id);
    return "waiting";
  },
  sweep: (executor, now) => sweepAnswers(executor, now),
  claimAlert,
  view: (_step, row) => ({ dueAt: row.due_at }),
};

/** A new alert replying to mail Intake sent on a case where a step waits (or waited) for the answer: it joins that case. */
async function claimAlert(db: Kysely<Database>, alert: NewAlert): Promise<AlertClaim | undefined> {
  const ids = threadIds(alert.events[0]);
  if (ids.length === 0) return undefined;
  const found = await db
    .selectFrom("outbox")
    .innerJoin("playbook_runs", "playbook_runs.case_id", "outbox.case_id")
    .innerJoin("playbook_steps", "playbook_steps.run_id", "playbook_runs.id")
    .select("outbox.case_id")
    .where("outbox.message_id", "in", ids)
    .where("playbook_steps.action", "=", WAIT_FOR_ANSWER)
    .orderBy("outbox.case_id", "desc")
    .limit(1)
    .executeTakeFirst();
  return found ? { caseId: Number(found.case_id), reason: ANSWER_REASON } : undefined;
}

interface Waiting {
  run_id: number;
  step_id: string;
  case_id: number;
  definition: string;
  due_at: number | null;
}

/** Waiting steps (of one run, or all) answered since, or whose time is up, completed; the runs go on. */
async function sweepAnswers(executor: PlaybookExecutor, now: number, runId?: number): Promise<number> {
  const db = executor.store.db;
  let query = db
    .selectFrom("playbook_steps")
    .innerJoin("playbook_runs", "playbook_runs.id", "playbook_steps.run_id")
    .select([
      "playbook_steps.run_id",
      "playbook_steps.step_id",
      "playbook_runs.case_id",
      "playbook_runs.definition",
      "playbook_steps.due_at",
    ])
    .where("playbook_steps.status", "=", "waiting")
    .where("playbook_steps.action", "=", WAIT_FOR_ANSWER)
    .where("playbook_runs.status", "=", "running");
  if (runId !== undefined) query = query.where("playbook_steps.run_id", "=", runId);
  let moved = 0;
  for (const waiting of (await query.execute()) as Waiting[]) {
    const step = executor.jobStep(JSON.parse(waiting.definition) as Playbook, waiting.step_id) as WaitForAnswerStep | undefined;
    if (!step || !("waitForAnswer" in step)) continue;
    const answer = await findAnswer(db, waiting, step);
    let values: Partial<PlaybookStepTable> | undefined;
    if (answer) {
      values = {
        result_value: JSON.stringify("answered"),
        result_json: JSON.stringify(answer),
        message: `answered by ${answer.from || "the reporter"}`,
        finished_at: now,
      };
    } else if (waiting.due_at !== null && waiting.due_at <= now) {
      values = {
        result_value: JSON.stringify("timed_out"),
        result_json: JSON.stringify({ answered: false, dueAt: waiting.due_at }),
        message: `no answer by ${new Date(waiting.due_at).toISOString()}`,
        finished_at: now,
      };
    }
    // Completed either way (a condition on the result value branches): a wait that ends is no failure.
    if (values && (await executor.settleStep(waiting.run_id, waiting.step_id, "waiting", { ...values, status: "completed" }))) moved += 1;
  }
  return moved;
}

export interface Answer {
  answered: true;
  text: string;
  from: string;
  subject: string;
  receivedAt: number;
  /** The answer's alert (its display id): it joined this case. */
  alert: string;
  inReplyTo: string;
}

async function findAnswer(db: Kysely<Database>, waiting: Waiting, step: WaitForAnswerStep): Promise<Answer | undefined> {
  let sent = db.selectFrom("outbox").select("message_id").where("case_id", "=", waiting.case_id).where("message_id", "!=", "");
  const replyStep = step.waitForAnswer.replyStep;
  if (replyStep) {
    const reply = await db
      .selectFrom("playbook_steps")
      .select("action_run_id")
      .where("run_id", "=", waiting.run_id)
      .where("step_id", "=", replyStep)
      .executeTakeFirst();
    if (!reply?.action_run_id) return undefined;
    sent = sent.where("action_run_id", "=", reply.action_run_id);
  }
  const ours = new Set((await sent.execute()).map((row) => row.message_id));
  if (ours.size === 0) return undefined;
  // An answer another wait of this run took is not this one's.
  const taken = new Set(
    (
      await db
        .selectFrom("playbook_steps")
        .select("result_json")
        .where("run_id", "=", waiting.run_id)
        .where("action", "=", WAIT_FOR_ANSWER)
        .where("status", "=", "completed")
        .execute()
    ).map((row) => (row.result_json ? (JSON.parse(row.result_json) as { alert?: string }).alert : undefined)),
  );
  const candidates = await db
    .selectFrom("alerts")
    .innerJoin("events", "events.alert_pk", "alerts.id")
    .select(["alerts.alert_id", "alerts.created_at", "events.data"])
    .where("alerts.case_id", "=", waiting.case_id)
    .where("events.position", "=", 0)
    .orderBy("alerts.id")
    .limit(MAX_CANDIDATES)
    .execute();
  for (const candidate of candidates) {
    if (taken.has(candidate.alert_id)) continue;
    const event = JSON.parse(candidate.data) as Record<string, unknown>;
    const thread = threadIds(event).find((id) => ours.has(id));
    if (!thread) continue;
    return {
      answered: true,
      text: answerText(event.ReplyText),
      from: String(event.SourceEmailAddress ?? "").slice(0, 320),
      subject: answerText(event.Subject).slice(0, 500),
      receivedAt: Number(candidate.created_at),
      alert: candidate.alert_id,
      inReplyTo: thread,
    };
  }
  return undefined;
}
