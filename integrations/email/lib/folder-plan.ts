// Which messages of one folder a cycle takes: unread ones (or new UIDs), within the first run's time
// window, not already stored, up to the per-cycle limit. The folder's checkpoint makes this exact.
import type { ImapMailbox } from "./imap-mailbox.js";
import type { EmailSettings } from "./settings.js";
import { formatUidSet, hasUid, parseUidSet, type UidRange } from "./uid-set.js";

const DAY_MS = 86_400_000;

export interface FolderCheckpoint {
  uidValidity: string;
  /** UIDs whose cases are stored (committed with them). */
  taken: UidRange[];
  /** Unix ms: mail received before this is never taken (set by the folder's first cycle from Offset Time In Days). */
  floor?: number;
}

export interface FolderPlan {
  /** UIDs to fetch and ingest this cycle, ascending. */
  toFetch: number[];
  /** UIDs stored by an earlier cycle but not yet acknowledged (marked read or moved). */
  alreadyStored: number[];
  /** Unread messages older than the window: left alone, counted. */
  leftOld: number;
  /** Messages left for the next cycle by the per-cycle limit. */
  deferred: number;
}

export function checkpointKey(folder: string): string {
  return `imap:${folder}`;
}

export function parseCheckpoint(
  saved: string | undefined,
  uidValidity: string,
  now: number,
  offsetDays: number,
): { checkpoint: FolderCheckpoint; reset: boolean } {
  let parsed: { v?: string; taken?: string; floor?: number } = {};
  try {
    parsed = saved ? (JSON.parse(saved) as typeof parsed) : {};
  } catch {
    parsed = {};
  }
  const floor = typeof parsed.floor === "number" ? parsed.floor : offsetDays > 0 ? now - offsetDays * DAY_MS : undefined;
  // A new UIDVALIDITY means the folder was recreated: old UIDs mean nothing; alert ids still dedupe.
  const same = parsed.v === uidValidity;
  return {
    checkpoint: { uidValidity, taken: same ? parseUidSet(parsed.taken) : [], ...(floor !== undefined ? { floor } : {}) },
    reset: Boolean(saved) && !same,
  };
}

export function formatCheckpoint(checkpoint: FolderCheckpoint): string {
  return JSON.stringify({
    v: checkpoint.uidValidity,
    taken: formatUidSet(checkpoint.taken),
    ...(checkpoint.floor !== undefined ? { floor: checkpoint.floor } : {}),
  });
}

export async function planFolder(
  mailbox: ImapMailbox,
  settings: EmailSettings,
  checkpoint: FolderCheckpoint,
  limit: number,
): Promise<FolderPlan> {
  const since = checkpoint.floor !== undefined ? new Date(checkpoint.floor) : undefined;
  const highestTaken = checkpoint.taken.length ? checkpoint.taken[checkpoint.taken.length - 1]![1] : 0;
  const candidates = await mailbox.uidsMatching({
    unreadOnly: settings.unreadOnly,
    ...(since ? { since } : {}),
    // Read mail too: what is new is decided by the UID checkpoint alone.
    ...(settings.unreadOnly ? {} : { uidAbove: highestTaken }),
  });
  const leftOld = since && settings.unreadOnly ? (await mailbox.uidsMatching({ unreadOnly: true, before: since })).length : 0;
  const alreadyStored = candidates.filter((uid) => hasUid(checkpoint.taken, uid));
  const fresh = candidates.filter((uid) => !hasUid(checkpoint.taken, uid));
  // Lowest UIDs first: every cycle makes progress, so a limit smaller than the backlog still drains it.
  const toFetch = limit > 0 ? fresh.slice(0, limit) : fresh;
  return { toFetch, alreadyStored, leftOld, deferred: fresh.length - toFetch.length };
}

/** After the cases are stored: mark read, move, or leave untouched, as configured. */
export async function acknowledge(mailbox: ImapMailbox, settings: EmailSettings, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  if (settings.markAsRead) await mailbox.markSeen(uids);
  if (settings.moveToFolder) await mailbox.moveTo(uids, settings.moveToFolder);
}
