// The record of mail moved between staff mailboxes' folders and their quarantine (the email integration's
// Purge Email and Restore Email): services for the action's sandboxed process, and the case's audit.
import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import {
  MAILBOX_MOVE_STATUSES,
  MAILBOX_SERVICES,
  MAX_MAILBOX_MOVES_PER_CALL,
  type MailboxMove,
  type MailboxMoveStatus,
} from "../../sdk/mailbox.js";
import { MailboxMovesInvalid } from "../errors.js";
import type { Database, MailboxMoveTable, Store } from "../store/index.js";

/** The states a recorded move may go to from each state. */
const NEXT: Record<MailboxMoveStatus, readonly MailboxMoveStatus[]> = {
  moving: ["quarantined", "abandoned", "gone"],
  quarantined: ["restoring", "missing"],
  restoring: ["restored", "quarantined", "missing"],
  abandoned: [],
  gone: [],
  restored: [],
  missing: [],
};

const text = (max: number) => z.string().max(max);
const listRequest = z
  .object({ mailbox: text(320).optional(), statuses: z.array(z.enum(MAILBOX_MOVE_STATUSES)).max(10).optional() })
  .strict();
const beginRequest = z
  .object({
    moves: z
      .array(
        z
          .object({
            mailbox: text(320).min(1),
            folder: text(1000).min(1),
            uidValidity: text(40).min(1),
            uid: z.number().int().positive(),
            messageId: text(1000),
            quarantineFolder: text(1000).min(1),
          })
          .strict(),
      )
      .max(MAX_MAILBOX_MOVES_PER_CALL),
  })
  .strict();
const updateRequest = z
  .object({
    updates: z
      .array(
        z
          .object({
            id: z.number().int().positive(),
            status: z.enum(MAILBOX_MOVE_STATUSES),
            quarantineUidValidity: text(40).optional(),
            quarantineUid: z.number().int().positive().optional(),
            restoredUid: z.number().int().positive().optional(),
            detail: text(2000).optional(),
          })
          .strict(),
      )
      .max(MAX_MAILBOX_MOVES_PER_CALL),
  })
  .strict();

function checked<T>(schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    throw new MailboxMovesInvalid(
      parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
        .join("; "),
    );
  return parsed.data;
}

function toMove(row: Selectable<MailboxMoveTable>): MailboxMove {
  return {
    id: Number(row.id),
    caseId: Number(row.case_id),
    mailbox: row.mailbox,
    folder: row.folder,
    uidValidity: row.uid_validity,
    uid: Number(row.uid),
    messageId: row.message_id,
    quarantineFolder: row.quarantine_folder,
    status: row.status,
    quarantineUidValidity: row.quarantine_uid_validity,
    quarantineUid: row.quarantine_uid === null ? null : Number(row.quarantine_uid),
    restoredUid: row.restored_uid === null ? null : Number(row.restored_uid),
    runKey: row.run_key,
    actionRunId: row.action_run_id === null ? null : Number(row.action_run_id),
    restoreRunKey: row.restore_run_key,
    restoreActionRunId: row.restore_action_run_id === null ? null : Number(row.restore_action_run_id),
    detail: row.detail,
    createdAt: Number(row.created_at),
    movedAt: row.moved_at === null ? null : Number(row.moved_at),
    restoredAt: row.restored_at === null ? null : Number(row.restored_at),
  };
}

/** A case's recorded moves, oldest first (the case view's audit, `GET /api/cases/:id/mailbox-moves`). */
export async function listMailboxMoves(
  store: Store,
  caseId: number,
  query: { integration?: string; mailbox?: string; statuses?: readonly MailboxMoveStatus[] } = {},
): Promise<MailboxMove[]> {
  let select = store.db.selectFrom("mailbox_moves").selectAll().where("case_id", "=", caseId);
  if (query.integration) select = select.where("integration", "=", query.integration);
  if (query.mailbox) select = select.where("mailbox", "=", query.mailbox);
  if (query.statuses?.length) select = select.where("status", "in", [...query.statuses]);
  return (await select.orderBy("id").limit(20_000).execute()).map(toMove);
}

/**
 * What an action's process may ask about moves (askPlatform), bound to its case, its integration and its
 * run: list them, record intents ("moving") before an IMAP MOVE, and confirm or change them after. A test
 * run (Play) may read only. The payload comes from sandboxed code: checked, bounded, and held to the
 * transitions a move may take.
 */
export function mailboxServices(
  store: Store,
  scope: { caseId: number; integration: string; runKey: string; test: boolean },
): Record<string, (payload: unknown) => Promise<unknown>> {
  // Intents of mailboxes worked at once are committed together (one durable commit for those that came in
  // meanwhile): each request still gets its answer only once its rows are on disk.
  const begin = groupCommit<z.infer<typeof beginRequest>["moves"], number[]>(async (requests) => {
    const now = Date.now();
    return store.db.transaction().execute(async (trx) => {
      const answers: number[][] = [];
      for (const moves of requests) {
        const ids: number[] = [];
        for (const move of moves) {
          const row = await trx
            .insertInto("mailbox_moves")
            .values({
              case_id: scope.caseId,
              integration: scope.integration,
              mailbox: move.mailbox,
              folder: move.folder,
              uid_validity: move.uidValidity,
              uid: move.uid,
              message_id: move.messageId,
              quarantine_folder: move.quarantineFolder,
              status: "moving",
              run_key: scope.runKey,
              created_at: now,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          ids.push(Number(row.id));
        }
        answers.push(ids);
      }
      return answers;
    });
  });
  return {
    [MAILBOX_SERVICES.list]: async (payload) => {
      const query = checked(listRequest, payload ?? {});
      return listMailboxMoves(store, scope.caseId, {
        integration: scope.integration,
        ...(query.mailbox ? { mailbox: query.mailbox } : {}),
        ...(query.statuses ? { statuses: query.statuses } : {}),
      });
    },
    [MAILBOX_SERVICES.begin]: async (payload) => {
      if (scope.test) throw new MailboxMovesInvalid("a test run (Play) records no move");
      const { moves } = checked(beginRequest, payload);
      return begin(moves);
    },
    [MAILBOX_SERVICES.update]: async (payload) => {
      if (scope.test) throw new MailboxMovesInvalid("a test run (Play) records no move");
      const { updates } = checked(updateRequest, payload);
      if (updates.length === 0) return null;
      const now = Date.now();
      await store.db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom("mailbox_moves")
          .select(["id", "status", "case_id", "integration"])
          .where(
            "id",
            "in",
            updates.map((update) => update.id),
          )
          .execute();
        const byId = new Map(rows.map((row) => [Number(row.id), row]));
        for (const update of updates) {
          const row = byId.get(update.id);
          if (!row || Number(row.case_id) !== scope.caseId || row.integration !== scope.integration)
            throw new MailboxMovesInvalid(`move ${update.id} is not one of this case's`);
          if (!NEXT[row.status].includes(update.status))
            throw new MailboxMovesInvalid(`move ${update.id} is ${row.status}: it cannot become ${update.status}`);
          row.status = update.status;
          await trx
            .updateTable("mailbox_moves")
            .set({
              status: update.status,
              ...(update.quarantineUid !== undefined ? { quarantine_uid: update.quarantineUid } : {}),
              ...(update.quarantineUidValidity !== undefined ? { quarantine_uid_validity: update.quarantineUidValidity } : {}),
              ...(update.restoredUid !== undefined ? { restored_uid: update.restoredUid } : {}),
              ...(update.detail !== undefined ? { detail: update.detail } : {}),
              ...(update.status === "quarantined" ? { moved_at: now } : {}),
              ...(update.status === "restoring" ? { restore_run_key: scope.runKey } : {}),
              ...(update.status === "restored" ? { restored_at: now, restore_run_key: scope.runKey } : {}),
            })
            .where("id", "=", update.id)
            .execute();
        }
      });
      return null;
    },
  };
}

/** Calls `work` with every item that arrived while the previous call ran: one call (one commit) for many. */
function groupCommit<T, R>(work: (items: T[]) => Promise<R[]>): (item: T) => Promise<R> {
  let queue: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        const answers = await work(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => {
          entry.resolve(answers[index]!);
        });
      } catch (error) {
        batch.forEach((entry) => {
          entry.reject(error);
        });
      }
    }
    running = false;
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void drain();
    });
}

/** Once an action run is recorded: the moves it made (or restored) name it. */
export async function linkMailboxMoves(trx: Kysely<Database>, runKey: string, actionRunId: number): Promise<void> {
  await trx
    .updateTable("mailbox_moves")
    .set({ action_run_id: actionRunId })
    .where("run_key", "=", runKey)
    .where("action_run_id", "is", null)
    .execute();
  await trx
    .updateTable("mailbox_moves")
    .set({ restore_action_run_id: actionRunId })
    .where("restore_run_key", "=", runKey)
    .where("restore_action_run_id", "is", null)
    .execute();
}
