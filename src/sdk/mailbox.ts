// Moves of a case's mail between staff mailboxes' folders and their quarantine folder, as the platform
// records them (askPlatform "mailbox.moves.*"): the intent before the IMAP MOVE, confirmed after it.

/** moving → quarantined | abandoned | gone; quarantined → restoring → restored | missing. */
export const MAILBOX_MOVE_STATUSES = ["moving", "quarantined", "abandoned", "gone", "restoring", "restored", "missing"] as const;
export type MailboxMoveStatus = (typeof MAILBOX_MOVE_STATUSES)[number];

/** A copy about to be moved into the quarantine folder (beginMailboxMoves). */
export interface NewMailboxMove {
  mailbox: string;
  folder: string;
  uidValidity: string;
  uid: number;
  /** The copy's own Message-ID ("" when it has none). */
  messageId: string;
  quarantineFolder: string;
}

/** One recorded move, as listMailboxMoves gives it. */
export interface MailboxMove extends NewMailboxMove {
  id: number;
  caseId: number;
  status: MailboxMoveStatus;
  quarantineUidValidity: string | null;
  quarantineUid: number | null;
  restoredUid: number | null;
  /** The Purge Email run that moved it, and the Restore Email run that put it back (idempotency keys; run ids once recorded). */
  runKey: string;
  actionRunId: number | null;
  restoreRunKey: string | null;
  restoreActionRunId: number | null;
  detail: string | null;
  createdAt: number;
  movedAt: number | null;
  restoredAt: number | null;
}

/** A change of one recorded move's state (updateMailboxMoves). */
export interface MailboxMoveUpdate {
  id: number;
  status: MailboxMoveStatus;
  quarantineUidValidity?: string;
  quarantineUid?: number;
  restoredUid?: number;
  detail?: string;
}

/** The platform's services for mailbox moves (askPlatform names). */
export const MAILBOX_SERVICES = { list: "mailbox.moves.list", begin: "mailbox.moves.begin", update: "mailbox.moves.update" } as const;

/** Moves per call of beginMailboxMoves or updateMailboxMoves. */
export const MAX_MAILBOX_MOVES_PER_CALL = 1000;
