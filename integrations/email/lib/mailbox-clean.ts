// Cleaning staff mailboxes of a reported mail over IMAP (Search Mailboxes, Purge Email, Restore Email):
// the settings, which copies match, and the moves into the quarantine folder and back, recorded by the
// platform before and after each IMAP MOVE so that a killed run is reconciled by the next.
import { createRequire } from "node:module";
import type { FetchMessageObject, ImapFlow as ImapFlowClient, ListResponse } from "imapflow";
import {
  ConnectorError,
  ParameterError,
  type ActionExecution,
  type CurrentCase,
  type MailboxMove,
  type MailboxMoveUpdate,
} from "intake/sdk";
import { describeImapError } from "./imap-mailbox.js";
import { OAuth2TokenProvider } from "./oauth2.js";
import { toSequenceSet } from "./uid-set.js";

// imapflow through its CommonJS build, as the connector loads it (faster to load).
const { ImapFlow } = createRequire(import.meta.url)("imapflow") as typeof import("imapflow");
type ImapFlow = ImapFlowClient;

export const SECURITY = ["tls", "starttls", "none"] as const;
export type Security = (typeof SECURITY)[number];

export interface CleanSettings {
  host: string;
  port: number;
  security: Security;
  admin: string;
  password: string;
  loginFormat: string;
  mailboxes: string[];
  quarantine: string;
  tokens?: OAuth2TokenProvider;
  /** Connecting and logging in, per mailbox. */
  timeoutMs: number;
}

/** The integration's mailbox parameters, or what is missing (the actions then say so and move nothing). */
export function cleanSettings(execution: ActionExecution, timeoutSeconds = 20): { settings?: CleanSettings; missing: string[] } {
  const param = (name: string) => String(execution.extractConfigurationParam(name, { defaultValue: "" }) ?? "").trim();
  const secret = (name: string) => String(execution.extractConfigurationParam(name, { inputType: "password", defaultValue: "" }) ?? "");
  const missing: string[] = [];
  const host = param("Mailbox Server Address");
  if (!host) missing.push('"Mailbox Server Address"');
  const mailboxes = [
    ...new Set(
      param("Mailboxes")
        .split(/[,\s;]+/)
        .map((item) => item.trim())
        .filter(Boolean),
    ),
  ];
  if (mailboxes.length === 0) missing.push('"Mailboxes"');
  const security = (param("Mailbox Security") || "tls").toLowerCase();
  if (!(SECURITY as readonly string[]).includes(security))
    throw new ParameterError(`"Mailbox Security" is tls, starttls or none, not ${JSON.stringify(security.slice(0, 40))}`);
  const portText = param("Mailbox Server Port");
  const port = portText ? Number(portText) : security === "tls" ? 993 : 143;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ParameterError(`"Mailbox Server Port" is a TCP port, not ${JSON.stringify(portText.slice(0, 40))}`);
  const clientId = param("Mailbox OAuth2 Client ID");
  let tokens: OAuth2TokenProvider | undefined;
  const admin = param("Mailbox Admin Username");
  const password = secret("Mailbox Admin Password");
  if (clientId) {
    const tokenUrl = param("Mailbox OAuth2 Token URL");
    const clientSecret = secret("Mailbox OAuth2 Client Secret");
    if (!/^https?:\/\//i.test(tokenUrl)) missing.push('"Mailbox OAuth2 Token URL"');
    if (!clientSecret) missing.push('"Mailbox OAuth2 Client Secret"');
    if (/^https?:\/\//i.test(tokenUrl) && clientSecret)
      tokens = new OAuth2TokenProvider({ tokenUrl, clientId, clientSecret, refreshToken: "", scope: param("Mailbox OAuth2 Scope") });
  } else {
    if (!admin) missing.push('"Mailbox Admin Username"');
    if (!password) missing.push('"Mailbox Admin Password"');
  }
  if (missing.length) return { missing };
  return {
    missing,
    settings: {
      host,
      port,
      security: security as Security,
      admin,
      password,
      loginFormat: param("Mailbox Login Format") || "{mailbox}*{admin}",
      mailboxes,
      quarantine: param("Quarantine Folder") || "Quarantine",
      ...(tokens ? { tokens } : {}),
      timeoutMs: timeoutSeconds * 1000,
    },
  };
}

/** What identifies the reported mail's copies: its Message-IDs, and its senders and subjects around its time. */
export interface MatchCriteria {
  messageIds: string[];
  senders: { address: string; subject: string; time: number }[];
  windowMs: number;
}

const field = (value: unknown) => (typeof value === "string" ? value.trim() : "");
const normalSubject = (subject: string) => subject.replace(/\s+/g, " ").trim().toLowerCase();

/**
 * The case's reported mail: each alert's reported Message-ID (ReportedMessageId of a forwarded report,
 * MessageId of an original), and its sender address and subject with its time (copies sent one per
 * recipient carry ids of their own).
 */
export function criteriaOf(currentCase: CurrentCase, options: { bySender: boolean; windowHours: number }): MatchCriteria {
  const ids = new Set<string>();
  const senders = new Map<string, { address: string; subject: string; time: number }>();
  for (const alert of currentCase.alerts) {
    const event = alert.events[0] ?? {};
    const original = field(event.ReportedAs) === "original message" || !("ReportedAs" in event);
    const id = original ? field(event.MessageId) : field(event.ReportedMessageId);
    if (/^<[^\s<>]{1,990}>$/.test(id)) ids.add(id);
    const address = field(event.SourceEmailAddress).toLowerCase();
    const subject = field(event.Subject);
    const time = Number(event.ReportedDate ?? event.StartTime ?? alert.startTime);
    // A sender and subject both, or nothing: either alone would match a colleague's ordinary mail.
    if (options.bySender && address.includes("@") && normalSubject(subject) && Number.isFinite(time)) {
      senders.set(`${address}\u0000${normalSubject(subject)}`, { address, subject, time });
    }
  }
  return { messageIds: [...ids].slice(0, 500), senders: [...senders.values()].slice(0, 50), windowMs: options.windowHours * 3_600_000 };
}

/** One copy found in a mailbox. */
export interface FoundCopy {
  mailbox: string;
  folder: string;
  uidValidity: string;
  uid: number;
  messageId: string;
  seen: boolean;
  subject: string;
  from: string;
  date: number | null;
  matchedBy: "message-id" | "sender-subject";
}

/** A mailbox that could not be worked, and why (reported; the others go on). */
export interface MailboxFailure {
  mailbox: string;
  code: string;
  message: string;
}

/** Opens one mailbox as the admin (or, with OAuth2, as itself with the application's token). */
export async function openMailbox(settings: CleanSettings, mailbox: string): Promise<ImapFlow> {
  const user = settings.tokens ? mailbox : settings.loginFormat.replaceAll("{mailbox}", mailbox).replaceAll("{admin}", settings.admin);
  const connect = async (fresh: boolean) => {
    const client = new ImapFlow({
      host: settings.host,
      port: settings.port,
      secure: settings.security === "tls",
      // starttls: the upgrade is required, the password never crosses in clear; none: only when configured so.
      doSTARTTLS: settings.security === "starttls" ? true : settings.security === "none" ? false : undefined,
      auth: settings.tokens ? { user, accessToken: await settings.tokens.accessToken(fresh) } : { user, pass: settings.password },
      logger: false,
      disableAutoIdle: true,
      tls: { rejectUnauthorized: true, minVersion: "TLSv1.2" },
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: 120_000,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      client.close();
      const described = describeImapError(error, { host: settings.host, port: settings.port, username: user, folder: "" });
      // Dovecot takes a master user's password, then closes the session when the mailbox does not exist.
      if (described.code === "IMAP_ERROR" && /unexpected close/i.test(described.message)) {
        throw new ConnectorError(
          "IMAP_LOGIN",
          `${settings.host}:${settings.port} ended the session while opening ${mailbox} (no such mailbox, or the admin may not open it)`,
          { cause: error },
        );
      }
      throw described;
    }
    return client;
  };
  try {
    return await connect(false);
  } catch (error) {
    // A token refused before its announced expiry: one more with a fresh one.
    if (settings.tokens && error instanceof ConnectorError && error.code === "IMAP_AUTH") return connect(true);
    throw error;
  }
}

export async function closeMailbox(client: ImapFlow): Promise<void> {
  await client.logout().catch(() => client.close());
}

const SKIPPED_USES = new Set(["\\Trash", "\\All", "\\Flagged"]);

/** Every folder worth searching: not Trash (by SPECIAL-USE or its usual names), not the quarantine, not \Noselect, not virtual. */
export function searchableFolders(list: ListResponse[], quarantine: string): string[] {
  return list
    .filter((folder) => {
      const flags = folder.flags ?? new Set<string>();
      if (flags.has("\\Noselect") || flags.has("\\NonExistent")) return false;
      if (folder.specialUse && SKIPPED_USES.has(folder.specialUse)) return false;
      return folder.path.toLowerCase() !== quarantine.toLowerCase();
    })
    .map((folder) => folder.path);
}

/** The quarantine folder's path, created when missing. */
export async function ensureQuarantine(client: ImapFlow, list: ListResponse[], quarantine: string): Promise<string> {
  const known =
    list.find((folder) => folder.path === quarantine) ?? list.find((folder) => folder.path.toLowerCase() === quarantine.toLowerCase());
  if (known) return known.path;
  const created = await client.mailboxCreate(quarantine);
  return created.path;
}

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const DAY = 86_400_000;

function messageIdOf(message: FetchMessageObject): string {
  const raw = message.headers ? message.headers.toString("utf8") : "";
  const header = /^message-id:\s*(<[^>\r\n]*>)/im.exec(raw)?.[1];
  return header ?? message.envelope?.messageId ?? "";
}

/** The copies of the reported mail in the folder open now: matched on the server, then checked exactly here. */
async function findInOpenFolder(
  client: ImapFlow,
  mailbox: string,
  folder: string,
  uidValidity: string,
  criteria: MatchCriteria,
): Promise<FoundCopy[]> {
  const byId = new Set<number>();
  const bySender = new Set<number>();
  for (const chunk of chunks(criteria.messageIds, 20)) {
    const query =
      chunk.length === 1 ? { header: { "message-id": chunk[0]! } } : { or: chunk.map((id) => ({ header: { "message-id": id } })) };
    for (const uid of (await client.search(query, { uid: true })) || []) byId.add(uid);
  }
  for (const sender of criteria.senders) {
    // FROM and the dates on the server (SEARCH counts whole days); the subject and the exact window here,
    // so no charset of the server's SEARCH decides what is moved.
    const since = new Date(sender.time - criteria.windowMs - DAY);
    const before = new Date(sender.time + criteria.windowMs + DAY);
    for (const uid of (await client.search({ from: sender.address, since, before }, { uid: true })) || [])
      if (!byId.has(uid)) bySender.add(uid);
  }
  const uids = [...byId, ...bySender];
  if (uids.length === 0) return [];
  const wantedIds = new Set(criteria.messageIds.map((id) => id.toLowerCase()));
  const found: FoundCopy[] = [];
  for await (const message of client.fetch(
    toSequenceSet(uids.sort((a, b) => a - b)),
    { uid: true, envelope: true, flags: true, internalDate: true, headers: ["message-id"] },
    { uid: true },
  )) {
    const messageId = messageIdOf(message);
    const from = (message.envelope?.from?.[0]?.address ?? "").toLowerCase();
    const subject = message.envelope?.subject ?? "";
    const when =
      message.envelope?.date instanceof Date
        ? message.envelope.date.getTime()
        : message.internalDate instanceof Date
          ? message.internalDate.getTime()
          : null;
    let matchedBy: FoundCopy["matchedBy"] | undefined;
    if (messageId && wantedIds.has(messageId.toLowerCase())) matchedBy = "message-id";
    else if (
      criteria.senders.some(
        (sender) =>
          sender.address === from &&
          normalSubject(sender.subject) === normalSubject(subject) &&
          when !== null &&
          Math.abs(when - sender.time) <= criteria.windowMs,
      )
    )
      matchedBy = "sender-subject";
    if (!matchedBy) continue;
    found.push({
      mailbox,
      folder,
      uidValidity,
      uid: message.uid,
      messageId,
      seen: message.flags?.has("\\Seen") ?? false,
      subject,
      from,
      date: when,
      matchedBy,
    });
  }
  return found.sort((a, b) => a.uid - b.uid);
}

/** The copies in one mailbox, folder by folder (opened read-only). */
export async function searchMailbox(
  client: ImapFlow,
  mailbox: string,
  quarantine: string,
  criteria: MatchCriteria,
  readOnly = true,
): Promise<FoundCopy[]> {
  const folders = searchableFolders(await client.list(), quarantine);
  const found: FoundCopy[] = [];
  for (const folder of folders) {
    const opened = await client.mailboxOpen(folder, { readOnly });
    if (!opened.exists) continue;
    found.push(...(await findInOpenFolder(client, mailbox, folder, String(opened.uidValidity), criteria)));
  }
  return found;
}

/** Runs `work` on every item, at most `limit` at once; each item's outcome, in order. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await work(items[index]!) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A failure as the result reports it: its code and one line (never a password: the SDK masks secrets). */
export function failureOf(mailbox: string, error: unknown, settings: CleanSettings): MailboxFailure {
  const described =
    error instanceof ConnectorError
      ? error
      : describeImapError(error, { host: settings.host, port: settings.port, username: mailbox, folder: "" });
  return { mailbox, code: described.code, message: described.message.slice(0, 500) };
}

/** UIDs of these that still exist in the folder open now. */
async function present(client: ImapFlow, uids: number[]): Promise<Set<number>> {
  if (uids.length === 0) return new Set();
  return new Set((await client.search({ uid: toSequenceSet(uids) }, { uid: true })) || []);
}

/** UIDs in the folder open now whose Message-ID is this one. */
async function withMessageId(client: ImapFlow, messageId: string): Promise<number[]> {
  if (!messageId) return [];
  const uids = (await client.search({ header: { "message-id": messageId } }, { uid: true })) || [];
  return uids.sort((a, b) => a - b);
}

/**
 * Confirmations of moves, written in batches: a confirmation lost with a killed run costs nothing, the next
 * run settles the intent from the mailbox itself; only intents must be on disk before their MOVE.
 */
export class Confirmations {
  #pending: MailboxMoveUpdate[] = [];
  constructor(
    private readonly execution: ActionExecution,
    private readonly batch = 200,
  ) {}
  async add(updates: MailboxMoveUpdate[]): Promise<void> {
    this.#pending.push(...updates);
    if (this.#pending.length >= this.batch) await this.flush();
  }
  async flush(): Promise<void> {
    while (this.#pending.length) await this.execution.updateMailboxMoves(this.#pending.splice(0, 1000));
  }
}

export interface PurgeOutcome {
  moved: FoundCopy[];
  /** Moves a killed run left half-done, settled now. */
  reconciled: number;
  quarantineUids: Map<string, number>;
}

const copyKey = (folder: string, uid: number) => `${folder}\u0000${uid}`;

/**
 * Settles moves a killed run left as intents ("moving"): the copy still in its folder and none in the
 * quarantine → the move never happened (abandoned: searched and moved again now); gone from its folder
 * and in the quarantine → it happened (quarantined); in both (COPY done, EXPUNGE not, on a server without
 * MOVE) → the copy in its folder is removed now; in neither → someone deleted it (gone).
 */
async function reconcileMoves(
  execution: ActionExecution,
  client: ImapFlow,
  quarantinePath: string,
  pending: MailboxMove[],
  claimed: Set<number>,
): Promise<number> {
  const updates: MailboxMoveUpdate[] = [];
  const byFolder = new Map<string, MailboxMove[]>();
  for (const move of pending) byFolder.set(move.folder, [...(byFolder.get(move.folder) ?? []), move]);
  const stillThere = new Set<number>();
  for (const [folder, moves] of byFolder) {
    const opened = await client.mailboxOpen(folder).catch(() => undefined);
    if (!opened) continue;
    const same = moves.filter((move) => move.uidValidity === String(opened.uidValidity));
    const there = await present(
      client,
      same.map((move) => move.uid),
    );
    for (const move of same) if (there.has(move.uid)) stillThere.add(move.id);
  }
  const quarantine = await client.mailboxOpen(quarantinePath);
  const quarantineValidity = String(quarantine.uidValidity);
  const finishInFolder = new Map<string, MailboxMove[]>();
  for (const move of pending) {
    const copies = (await withMessageId(client, move.messageId)).filter((uid) => !claimed.has(uid));
    const copy = copies[0];
    if (copy !== undefined) claimed.add(copy);
    if (copy !== undefined && stillThere.has(move.id)) finishInFolder.set(move.folder, [...(finishInFolder.get(move.folder) ?? []), move]);
    if (copy !== undefined)
      updates.push({
        id: move.id,
        status: "quarantined",
        quarantineUid: copy,
        quarantineUidValidity: quarantineValidity,
        detail: "reconciled after an interrupted run",
      });
    else if (stillThere.has(move.id))
      updates.push({ id: move.id, status: "abandoned", detail: "an interrupted run had not moved it; moved again" });
    else updates.push({ id: move.id, status: "gone", detail: "neither in its folder nor in the quarantine: deleted meanwhile" });
  }
  for (const [folder, moves] of finishInFolder) {
    await client.mailboxOpen(folder);
    await client.messageDelete(toSequenceSet(moves.map((move) => move.uid)), { uid: true });
  }
  await execution.updateMailboxMoves(updates);
  return updates.length;
}

/**
 * Moves every copy in the mailbox into the quarantine folder, folder by folder: the intents recorded,
 * then UID MOVE (imapflow falls back to COPY, STORE \Deleted, UID EXPUNGE without MOVE), then each
 * confirmed with its UID in the quarantine (COPYUID). Copies already quarantined are not searched again.
 */
export async function purgeMailbox(
  execution: ActionExecution,
  client: ImapFlow,
  mailbox: string,
  settings: CleanSettings,
  criteria: MatchCriteria,
  confirmations: Confirmations,
): Promise<PurgeOutcome> {
  const list = await client.list();
  const quarantinePath = await ensureQuarantine(client, list, settings.quarantine);
  const recorded = await execution.listMailboxMoves({ mailbox, statuses: ["moving", "quarantined", "restoring"] });
  const claimed = new Set(
    recorded.filter((move) => move.status !== "moving" && move.quarantineUid !== null).map((move) => move.quarantineUid!),
  );
  const pending = recorded.filter((move) => move.status === "moving");
  const reconciled = pending.length ? await reconcileMoves(execution, client, quarantinePath, pending, claimed) : 0;

  const moved: FoundCopy[] = [];
  const quarantineUids = new Map<string, number>();
  for (const folder of searchableFolders(list, quarantinePath)) {
    const opened = await client.mailboxOpen(folder);
    if (!opened.exists) continue;
    const copies = await findInOpenFolder(client, mailbox, folder, String(opened.uidValidity), criteria);
    if (copies.length === 0) continue;
    for (const batch of chunks(copies, 500)) {
      const ids = await execution.beginMailboxMoves(
        batch.map((copy) => ({
          mailbox,
          folder,
          uidValidity: copy.uidValidity,
          uid: copy.uid,
          messageId: copy.messageId,
          quarantineFolder: quarantinePath,
        })),
      );
      const result = await client.messageMove(toSequenceSet(batch.map((copy) => copy.uid)), quarantinePath, { uid: true });
      if (!result)
        throw new ConnectorError(
          "IMAP_MOVE",
          `${mailbox}: the server refused to move ${batch.length} message(s) from ${folder} to ${quarantinePath}`,
        );
      const map = result.uidMap ?? new Map<number, number>();
      const validity = result.uidValidity !== undefined ? String(result.uidValidity) : undefined;
      await confirmations.add(
        batch.map((copy, index) => {
          const target = map.get(copy.uid);
          if (target !== undefined) quarantineUids.set(copyKey(folder, copy.uid), target);
          return {
            id: ids[index]!,
            status: "quarantined" as const,
            ...(target !== undefined ? { quarantineUid: target } : {}),
            ...(validity ? { quarantineUidValidity: validity } : {}),
          };
        }),
      );
      moved.push(...batch);
    }
  }
  return { moved, reconciled, quarantineUids };
}

export interface RestoreOutcome {
  restored: MailboxMove[];
  missing: MailboxMove[];
}

/**
 * Puts each quarantined copy of the case back in the folder it came from (created again if it was
 * removed): marked restoring, UID MOVE back, confirmed restored. A copy no longer in the quarantine is
 * reported missing; one a killed restore had already moved is confirmed.
 */
export async function restoreMailbox(execution: ActionExecution, client: ImapFlow, mailbox: string): Promise<RestoreOutcome> {
  const records = await execution.listMailboxMoves({ mailbox, statuses: ["quarantined", "restoring"] });
  if (records.length === 0) return { restored: [], missing: [] };
  const list = await client.list();
  const restored: MailboxMove[] = [];
  const missing: MailboxMove[] = [];
  const byQuarantine = new Map<string, MailboxMove[]>();
  for (const move of records) byQuarantine.set(move.quarantineFolder, [...(byQuarantine.get(move.quarantineFolder) ?? []), move]);
  for (const [quarantinePath, moves] of byQuarantine) {
    const opened = await client.mailboxOpen(quarantinePath).catch(() => undefined);
    const located = new Map<number, number>();
    if (opened) {
      const validity = String(opened.uidValidity);
      const there = await present(
        client,
        moves.filter((move) => move.quarantineUid !== null && move.quarantineUidValidity === validity).map((move) => move.quarantineUid!),
      );
      const taken = new Set<number>();
      for (const move of moves)
        if (move.quarantineUid !== null && move.quarantineUidValidity === validity && there.has(move.quarantineUid)) {
          located.set(move.id, move.quarantineUid);
          taken.add(move.quarantineUid);
        }
      // Without a known UID (no COPYUID, a recreated folder): by its Message-ID.
      for (const move of moves) {
        if (located.has(move.id) || (move.quarantineUid !== null && move.quarantineUidValidity === validity)) continue;
        const uid = (await withMessageId(client, move.messageId)).find((candidate) => !taken.has(candidate));
        if (uid !== undefined) {
          located.set(move.id, uid);
          taken.add(uid);
        }
      }
    }
    const settle: MailboxMoveUpdate[] = [];
    for (const move of moves) {
      if (located.has(move.id)) continue;
      // Not in the quarantine: a killed restore had moved it already, or someone removed it.
      if (move.status === "restoring") {
        settle.push({ id: move.id, status: "restored", detail: "restored by an interrupted run" });
        restored.push(move);
      } else {
        settle.push({ id: move.id, status: "missing", detail: `no longer in ${quarantinePath}` });
        missing.push(move);
      }
    }
    await execution.updateMailboxMoves(settle);
    const byFolder = new Map<string, MailboxMove[]>();
    for (const move of moves) if (located.has(move.id)) byFolder.set(move.folder, [...(byFolder.get(move.folder) ?? []), move]);
    for (const [folder, back] of byFolder) {
      if (!list.some((known) => known.path === folder)) await client.mailboxCreate(folder).catch(() => undefined);
      await execution.updateMailboxMoves(
        back.filter((move) => move.status !== "restoring").map((move) => ({ id: move.id, status: "restoring" as const })),
      );
      await client.mailboxOpen(quarantinePath);
      const result = await client.messageMove(toSequenceSet(back.map((move) => located.get(move.id)!)), folder, { uid: true });
      if (!result)
        throw new ConnectorError(
          "IMAP_MOVE",
          `${mailbox}: the server refused to move ${back.length} message(s) from ${quarantinePath} back to ${folder}`,
        );
      const map = result.uidMap ?? new Map<number, number>();
      await execution.updateMailboxMoves(
        back.map((move) => {
          const uid = map.get(located.get(move.id)!);
          return { id: move.id, status: "restored" as const, ...(uid !== undefined ? { restoredUid: uid } : {}) };
        }),
      );
      restored.push(...back);
    }
  }
  return { restored, missing };
}
