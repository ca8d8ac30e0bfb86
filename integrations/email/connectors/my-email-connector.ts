// The Email Connector: every unread message (or every new one) of the configured IMAP folders becomes
// one alert; a message is marked read or moved only after the platform has stored its case.
import { type ConnectorExecution, outputHandler, type PackageResult } from "intake/sdk";
import { BatchQueue } from "../lib/batch-queue.js";
import { postalMimeWarning } from "../lib/decode.js";
import { acknowledge, checkpointKey, formatCheckpoint, parseCheckpoint, planFolder, type FolderCheckpoint } from "../lib/folder-plan.js";
import { ImapMailbox } from "../lib/imap-mailbox.js";
import { OAuth2TokenProvider } from "../lib/oauth2.js";
import { readBatch, type ReadBatch, type ReadTask } from "../lib/read-batch.js";
import { readSettings, type EmailSettings } from "../lib/settings.js";
import { addUids, removeUids } from "../lib/uid-set.js";

/** Messages per stored batch (one package, one transaction; the bench's floor fetches the same). */
export const BATCH_SIZE = 200;
/** Batches fetched and not yet stored: with the one being fetched, what bounds memory whatever the backlog. */
const MAX_IN_FLIGHT = 2;

async function main(execution: ConnectorExecution): Promise<void> {
  const settings = readSettings(execution);
  const warning = postalMimeWarning();
  if (warning) execution.logger.warn(warning);
  const tokens = settings.oauth2 ? new OAuth2TokenProvider(settings.oauth2) : undefined;
  let remaining = settings.maxPerCycle > 0 ? settings.maxPerCycle : Number.POSITIVE_INFINITY;
  for (const folder of settings.folders) {
    if (remaining <= 0) {
      execution.logger.info(`Max Emails Per Cycle reached: folder ${folder} waits for the next cycle`);
      continue;
    }
    const mailbox = await openFolder(execution, settings, tokens, folder, { readOnly: execution.isTestRun });
    try {
      remaining -= await takeFolder(execution, settings, mailbox, Number.isFinite(remaining) ? remaining : 0);
    } finally {
      await mailbox.close();
    }
  }
}

function openFolder(
  execution: ConnectorExecution,
  settings: EmailSettings,
  tokens: OAuth2TokenProvider | undefined,
  folder: string,
  extra: { readOnly: boolean; idle?: boolean; idleRenewMs?: number },
) {
  return ImapMailbox.open({
    host: settings.host,
    port: settings.port,
    username: settings.username,
    password: settings.password,
    ...(tokens ? { accessToken: (force: boolean) => tokens.accessToken(force) } : {}),
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
    folder,
    logger: execution.logger,
    ...extra,
  });
}

/** Test connection (SecOps' Ping): server, TLS, credentials and every folder, fetching nothing. */
export async function ping(execution: ConnectorExecution): Promise<void> {
  const settings = readSettings(execution);
  const tokens = settings.oauth2 ? new OAuth2TokenProvider(settings.oauth2) : undefined;
  for (const folder of settings.folders) {
    const mailbox = await openFolder(execution, settings, tokens, folder, { readOnly: true });
    try {
      const unread = await mailbox.unreadUids();
      execution.logger.info(
        `ok: ${settings.username} at ${settings.host}:${settings.port}, folder ${mailbox.path} (${unread.length} unread)`,
      );
    } finally {
      await mailbox.close();
    }
  }
}

/** Push: waits in IMAP IDLE on every folder and reports new mail at once; ends when a connection drops. */
export async function watch(execution: ConnectorExecution, onNewItems: (reason: string) => void): Promise<void> {
  const settings = readSettings(execution);
  const tokens = settings.oauth2 ? new OAuth2TokenProvider(settings.oauth2) : undefined;
  const mailboxes = await Promise.all(
    settings.folders.map((folder) =>
      openFolder(execution, settings, tokens, folder, { readOnly: true, idle: true, idleRenewMs: settings.pushRecheckMs }),
    ),
  );
  try {
    execution.logger.info(`push: waiting for new mail in ${mailboxes.map((m) => m.path).join(", ")}`);
    await Promise.race(mailboxes.map((mailbox) => mailbox.watch((count) => onNewItems(`${count} new messages in ${mailbox.path}`))));
  } finally {
    await Promise.all(mailboxes.map((mailbox) => mailbox.close()));
  }
}

/** One folder's cycle; returns how many messages it fetched. */
async function takeFolder(execution: ConnectorExecution, settings: EmailSettings, mailbox: ImapMailbox, limit: number): Promise<number> {
  const key = checkpointKey(mailbox.path);
  const saved = execution.getConnectorContext(key);
  let { checkpoint, reset } = parseCheckpoint(saved, mailbox.uidValidity, Date.now(), settings.offsetDays);
  if (reset)
    execution.logger.warn(`folder ${mailbox.path} was recreated (new UIDVALIDITY): it is read again, and alert ids keep out duplicates`);
  const save = (next: FolderCheckpoint) => {
    checkpoint = next;
    if (!execution.isTestRun) execution.setConnectorContext(key, formatCheckpoint(checkpoint));
  };
  // The first cycle's time window is kept, so that older mail stays out on every later cycle too.
  if (!saved) save(checkpoint);

  const plan = await planFolder(mailbox, settings, checkpoint, limit);
  if (plan.leftOld > 0) {
    execution.logger.warn(
      `${plan.leftOld} unread messages in ${mailbox.path} were received before ${new Date(checkpoint.floor!).toISOString()} ` +
        `(Offset Time In Days = ${settings.offsetDays}): left alone`,
    );
  }
  if (plan.toFetch.length + plan.alreadyStored.length === 0) {
    execution.logger.info(
      `The inbox for user ${settings.username} has no ${settings.unreadOnly ? "unread" : "new"} emails` +
        `${settings.folders.length > 1 ? ` in ${mailbox.path}` : ""}`,
    );
    return 0;
  }
  execution.logger.info(
    `${plan.toFetch.length} messages to take from ${mailbox.path} for ${settings.username}` +
      `${plan.alreadyStored.length ? ` (${plan.alreadyStored.length} already stored)` : ""}` +
      `${plan.deferred ? ` (${plan.deferred} left for the next cycle by Max Emails Per Cycle)` : ""}`,
  );
  // Stored by an earlier cycle that stopped before acknowledging them: acknowledge now, fetch nothing.
  if (!execution.isTestRun) await acknowledge(mailbox, settings, plan.alreadyStored);

  // Batches flow through a queue: fetched (one pipelined UID FETCH each), then read, handed over and
  // stored in order (one transaction each, in the platform's process and so on another core), then
  // acknowledged at the source (marked read or moved) once stored. The next batch is fetched while
  // one is read, and handed over without waiting for the last to be stored: the platform refuses
  // every package after one it could not store, so no checkpoint ever covers a batch that was lost.
  // At most MAX_IN_FLIGHT batches are fetched and not yet stored; past that the next fetch waits.
  // (One FETCH per batch: imapflow keeps a whole response in memory.)
  const queue = new BatchQueue<ReadTask[]>(MAX_IN_FLIGHT);
  const failures: unknown[] = [];
  // A failure after the fetching stops everything not yet handed over; what was stored is still acknowledged.
  const fail = (error: unknown) => {
    failures.push(error);
    queue.stop();
  };
  const acknowledged: Promise<void>[] = [];

  const acknowledgeStored = async (result: PackageResult, batch: ReadBatch) => {
    if (!result.committed) return;
    const refused = result.results.filter((r) => r.outcome === "failed").flatMap((r) => batch.uidsOfAlert.get(r.display_id) ?? []);
    if (refused.length) {
      // Not stored: out of the checkpoint and unacknowledged, so that a later cycle tries them again.
      // (The platform refuses only alerts that break its schema, which this connector does not build.)
      save({ ...checkpoint, taken: removeUids(checkpoint.taken, refused) });
      execution.logger.error(
        `${refused.length} messages were refused by the platform and stay as they are (UIDs ${refused.slice(0, 20).join(", ")})`,
      );
    }
    // Queued on the connection behind the fetch under way.
    await acknowledge(mailbox, settings, [...result.stored.flatMap((id) => batch.uidsOfAlert.get(id) ?? []), ...batch.skippedUids]);
  };

  const fetching = (async () => {
    for (let start = 0; start < plan.toFetch.length && (await queue.room()); start += BATCH_SIZE) {
      const tasks: ReadTask[] = [];
      for await (const message of mailbox.fetchRaw(plan.toFetch.slice(start, start + BATCH_SIZE))) {
        tasks.push({
          uid: message.uid,
          source: message.source,
          folder: mailbox.path,
          ...(message.internalDate ? { internalDate: message.internalDate } : {}),
        });
      }
      if (tasks.length === 0) continue;
      execution.recordFetched(tasks.length);
      queue.push(tasks);
    }
  })()
    // What was fetched before a failed fetch is still handed over.
    .catch((error: unknown) => void failures.push(error))
    .finally(() => queue.end());

  const handing = (async () => {
    for (let tasks = await queue.take(); tasks; tasks = await queue.take()) {
      const batch = await readBatch(execution, settings, tasks);
      save({ ...checkpoint, taken: addUids(checkpoint.taken, batch.uids) });
      // Not awaited: the next batch is read while the platform stores this one.
      const stored = execution.returnPackage(batch.alerts).finally(() => queue.release());
      acknowledged.push(stored.then((result) => acknowledgeStored(result, batch)).catch(fail));
    }
  })().catch(fail);

  await Promise.all([fetching, handing]);
  await Promise.all(acknowledged);
  if (failures.length === 0) return plan.toFetch.length;
  // The first failure ends the run (and is logged with it); any later one is logged here.
  for (const error of failures.slice(1)) execution.logger.exception(error, `also failed in ${mailbox.path}`);
  throw failures[0];
}

export default outputHandler(main);
