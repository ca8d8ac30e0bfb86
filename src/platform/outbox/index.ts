// The outbox: mail staged by actions (sendEmail), one row per message and recipient, sent by a loop of
// `intake serve` and by `intake playbooks drain`, retried with backoff, each attempt on the case wall.
import crypto from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { OutgoingEmail } from "../../sdk/action.js";
import { IntakeError, OutboxInterrupted, ReplyTemplateInvalid } from "../errors.js";
import type { Database, OutboxStatus, OutboxTable, Store } from "../store/index.js";
import { z } from "zod";
import { renderReply } from "./templates.js";
import { wakeableSleep } from "../store/wake.js";
import { messageIdFor, sendMessage, smtpSettings, SmtpAttemptError, SmtpConnectionCache, type SmtpSettings } from "./smtp.js";

export { smtpSettings, SMTP_SECURITY, type SmtpSettings } from "./smtp.js";
export * from "./templates.js";

const renderRequest = z
  .object({
    verdict: z.string().max(50),
    language: z.string().max(35).optional(),
    reportSubject: z.string().max(2000),
    reasons: z.array(z.string().max(2000)).max(50),
  })
  .strict();

/**
 * What an action may ask about replies (askPlatform): "replies.render", the template of a verdict and
 * language filled for the action's case. The payload comes from sandboxed code: checked and bounded.
 */
export function replyServices(store: Store, caseId: number): Record<string, (payload: unknown) => Promise<unknown>> {
  return {
    "replies.render": async (payload) => {
      const parsed = renderRequest.safeParse(payload);
      if (!parsed.success)
        throw new ReplyTemplateInvalid(
          "request",
          parsed.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
            .join("; "),
        );
      const request = parsed.data;
      return renderReply(store, request.verdict, request.language, {
        caseId,
        reportSubject: request.reportSubject,
        reasons: request.reasons,
        verdict: request.verdict,
      });
    },
  };
}

/** Tries of one message before it is given up. */
export const MAX_ATTEMPTS = 8;
/** First wait after a failed try; doubled after each further one (capped at MAX_BACKOFF_MS). */
export const DEFAULT_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 6 * 3600_000;
/**
 * How long a row may stay `sending` before its sender counts as dead: well past the longest SMTP
 * conversation (smtp.ts timeouts), so a live sender is never overtaken.
 */
export const SENDING_LEASE_MS = 5 * 60_000;
const MAX_LOGGED_ATTEMPTS = 20;

export interface OutboxAttempt {
  at: number;
  outcome: "sent" | "failed" | "interrupted";
  detail: string;
}

export interface OutboxEntry {
  id: number;
  caseId: number;
  actionRunId: number | null;
  recipient: string;
  subject: string;
  language: string | null;
  inReplyTo: string | null;
  messageId: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  smtpResponse: string | null;
  attemptLog: OutboxAttempt[];
  createdAt: number;
  sentAt: number | null;
}

type OutboxRow = Selectable<OutboxTable>;

function toEntry(row: OutboxRow): OutboxEntry {
  const waiting = row.status === "pending" || row.status === "retrying";
  return {
    id: Number(row.id),
    caseId: Number(row.case_id),
    actionRunId: row.action_run_id === null ? null : Number(row.action_run_id),
    recipient: row.recipient,
    subject: row.subject,
    language: row.language,
    inReplyTo: row.in_reply_to,
    messageId: row.message_id,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: waiting ? Number(row.next_attempt_at) : null,
    lastError: row.last_error,
    smtpResponse: row.smtp_response,
    attemptLog: JSON.parse(row.attempt_log) as OutboxAttempt[],
    createdAt: Number(row.created_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
  };
}

/**
 * Puts an action's staged mail in the outbox, inside the transaction that records the action run. A row
 * with the same key and recipient already there (a retried step, a rerun) is left alone: nothing new.
 * Returns how many rows were added.
 */
export async function stageOutbox(
  trx: Kysely<Database>,
  origin: { caseId: number; actionRunId: number; idempotencyKey: string; integration: string },
  emails: OutgoingEmail[],
): Promise<number> {
  let added = 0;
  const now = Date.now();
  for (const email of emails) {
    // A stable key the action gave is scoped to its integration; otherwise the run's own key.
    const dedupeKey = email.onceKey ? `${origin.integration}:${email.onceKey}` : origin.idempotencyKey;
    const recipient = email.to.toLowerCase();
    const result = await trx
      .insertInto("outbox")
      .values({
        case_id: origin.caseId,
        action_run_id: origin.actionRunId,
        dedupe_key: dedupeKey,
        recipient,
        subject: email.subject,
        body_text: email.text,
        body_html: email.html ?? null,
        in_reply_to: email.inReplyTo ?? null,
        reference_ids: email.references?.length ? JSON.stringify(email.references) : null,
        language: email.language ?? null,
        message_id: "",
        status: "pending",
        next_attempt_at: now,
        created_at: now,
      })
      .onConflict((conflict) => conflict.columns(["dedupe_key", "recipient"]).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return added;
}

/** A case's messages, newest first (the case wall). */
export async function listOutbox(store: Store, filter: { caseId?: number; limit?: number } = {}): Promise<OutboxEntry[]> {
  let query = store.db
    .selectFrom("outbox")
    .selectAll()
    .orderBy("id", "desc")
    .limit(Math.min(filter.limit ?? 500, 5000));
  if (filter.caseId !== undefined) query = query.where("case_id", "=", filter.caseId);
  return (await query.execute()).map(toEntry);
}

function appendAttempt(log: string, attempt: OutboxAttempt): string {
  return JSON.stringify([...(JSON.parse(log) as OutboxAttempt[]), attempt].slice(-MAX_LOGGED_ATTEMPTS));
}

export function backoffMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/**
 * Rows left `sending` past the lease by a sender that died. What happened to the message depends on
 * where it died: before the envelope and message were handed to the server (data_at unset), the server
 * has nothing and the row is tried again; after, the server may have accepted it, and sending it again
 * could mail the reporter twice, so the row is given up and shown on the case wall as interrupted
 * (at most once rather than at least once: a missing thank-you costs less than a duplicate that looks
 * like a phish itself).
 */
async function recoverInterrupted(store: Store, now: number): Promise<number> {
  const stale = await store.db
    .selectFrom("outbox")
    .selectAll()
    .where("status", "=", "sending")
    .where("claimed_at", "<", now - SENDING_LEASE_MS)
    .execute();
  for (const row of stale) {
    const handedOver = row.data_at !== null;
    const error = new OutboxInterrupted(
      handedOver ? "after the message was handed to the SMTP server" : "before the message was handed to the SMTP server",
      handedOver ? "it may have been delivered, so it is not sent again" : "it is sent again",
    );
    await store.db
      .updateTable("outbox")
      .set({
        status: handedOver ? "given_up" : "retrying",
        next_attempt_at: now,
        claimed_at: null,
        last_error: error.toLine(),
        attempt_log: appendAttempt(row.attempt_log, { at: now, outcome: "interrupted", detail: error.message }),
      })
      .where("id", "=", row.id)
      .where("status", "=", "sending")
      .where("claimed_at", "=", row.claimed_at)
      .execute();
  }
  return stale.length;
}

export interface SendSummary {
  sent: number;
  failed: number;
  givenUp: number;
}

export interface SendOptions {
  /** First wait after a failure (doubled each time); default DEFAULT_BACKOFF_MS. */
  backoffMs?: number;
  /** Most messages handled in one call. */
  limit?: number;
  onMessage?: (entry: { id: number; recipient: string; status: OutboxStatus; error?: string }) => void;
  /** A long-lived sender's open connection, reused between messages; without it each message opens its own. */
  connections?: SmtpConnectionCache;
}

/** The backoff `intake serve` and `drain` use: $INTAKE_OUTBOX_BACKOFF_SECONDS, else DEFAULT_BACKOFF_MS. */
export function configuredBackoffMs(): number {
  const seconds = Number(process.env.INTAKE_OUTBOX_BACKOFF_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_BACKOFF_MS;
}

/**
 * Sends every message that is due, one at a time. Each row is claimed first (a conditional update that
 * one sender wins), so two senders on one database never send the same row.
 */
export async function sendDueMail(store: Store, options: SendOptions = {}): Promise<SendSummary> {
  const summary: SendSummary = { sent: 0, failed: 0, givenUp: 0 };
  const base = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  await recoverInterrupted(store, Date.now());
  const due = await store.db
    .selectFrom("outbox")
    .select(["id"])
    .where("status", "in", ["pending", "retrying"])
    .where("next_attempt_at", "<=", Date.now())
    .orderBy("next_attempt_at")
    .orderBy("id")
    .limit(options.limit ?? 200)
    .execute();
  if (due.length === 0) return summary;
  let settings: SmtpSettings | undefined;
  let settingsError: IntakeError | undefined;
  try {
    settings = await smtpSettings(store);
  } catch (error) {
    if (!(error instanceof IntakeError)) throw error;
    settingsError = error;
  }
  for (const { id } of due) {
    const now = Date.now();
    const claimed = await store.db
      .updateTable("outbox")
      .set((eb) => ({ status: "sending", claimed_at: now, data_at: null, attempts: eb("attempts", "+", 1) }))
      .where("id", "=", id)
      .where("status", "in", ["pending", "retrying"])
      .where("next_attempt_at", "<=", now)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    const row = await store.db.selectFrom("outbox").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    try {
      if (!settings) throw settingsError!;
      // One Message-ID for every attempt (recipients' clients thread and dedupe on it).
      const messageId =
        row.message_id ||
        messageIdFor(settings, crypto.createHash("sha256").update(`${row.dedupe_key}\u0000${row.recipient}`).digest("hex").slice(0, 32));
      if (!row.message_id) await store.db.updateTable("outbox").set({ message_id: messageId }).where("id", "=", id).execute();
      const outcome = await sendMessage(
        settings,
        {
          to: row.recipient,
          subject: row.subject,
          text: row.body_text,
          html: row.body_html,
          inReplyTo: row.in_reply_to,
          references: row.reference_ids ? (JSON.parse(row.reference_ids) as string[]) : [],
          language: row.language,
          messageId,
        },
        async () => {
          await store.db.updateTable("outbox").set({ data_at: Date.now() }).where("id", "=", id).execute();
        },
        options.connections,
      );
      const at = Date.now();
      await store.db
        .updateTable("outbox")
        .set({
          status: "sent",
          sent_at: at,
          claimed_at: null,
          smtp_response: outcome.response,
          last_error: null,
          attempt_log: appendAttempt(row.attempt_log, { at, outcome: "sent", detail: outcome.response }),
        })
        .where("id", "=", id)
        .execute();
      summary.sent++;
      options.onMessage?.({ id: Number(id), recipient: row.recipient, status: "sent" });
    } catch (error) {
      const line = error instanceof IntakeError ? error.toLine() : `${(error as Error).message}`.slice(0, 500);
      const attempts = Number(row.attempts);
      const giveUp = (error instanceof SmtpAttemptError && error.permanent) || attempts >= MAX_ATTEMPTS;
      const at = Date.now();
      await store.db
        .updateTable("outbox")
        .set({
          status: giveUp ? "given_up" : "retrying",
          claimed_at: null,
          last_error: line,
          next_attempt_at: at + backoffMs(attempts, base),
          attempt_log: appendAttempt(row.attempt_log, { at, outcome: "failed", detail: line }),
        })
        .where("id", "=", id)
        .execute();
      if (giveUp) summary.givenUp++;
      else summary.failed++;
      options.onMessage?.({ id: Number(id), recipient: row.recipient, status: giveUp ? "given_up" : "retrying", error: line });
    }
  }
  return summary;
}

export interface OutboxSender {
  stop(): Promise<void>;
}

/** The loop of `intake serve`: due mail sent every few seconds, and at once when this process stages some, until stopped. */
export function startOutboxSender(
  store: Store,
  options: SendOptions & { intervalMs?: number; onError?: (error: unknown) => void } = {},
): OutboxSender {
  let stopped = false;
  // A reply staged by an action of this process (the playbook worker's) wakes the sender: the tick alone
  // kept it 1 s on average, up to 2 s. Retries come due, and other processes' rows, on the tick.
  const sleeper = wakeableSleep(store, "outbox");
  // One connection kept open between replies: a reply does not wait for a new connection, TLS and sign-in.
  const connections = new SmtpConnectionCache();
  const loop = (async () => {
    while (!stopped) {
      try {
        await sendDueMail(store, { connections, ...options });
      } catch (error) {
        options.onError?.(error);
      }
      if (stopped) break;
      await sleeper.sleep(options.intervalMs ?? 2000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      sleeper.wakeNow();
      await loop;
      connections.close();
      sleeper.close();
    },
  };
}
