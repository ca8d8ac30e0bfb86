// The Email Connector: every unread message (or every new one) of the configured IMAP folders becomes
// one alert; a message is marked read or moved only after the platform has stored its case.
import { ConnectorExecution, outputHandler, type AlertInfo, type PackageResult } from "intake/sdk";
import { acknowledge, checkpointKey, formatCheckpoint, parseCheckpoint, planFolder, type FolderCheckpoint } from "../lib/folder-plan.js";
import { ImapMailbox } from "../lib/imap-mailbox.js";
import { OAuth2TokenProvider } from "../lib/oauth2.js";
import { ReaderPool, recordParameters, type ReadOutcome, type ReadTask } from "../lib/reader-pool.js";
import { readSettings, type EmailSettings } from "../lib/settings.js";
import { addUids, removeUids } from "../lib/uid-set.js";

/** Messages per stored batch (one package, one transaction; the bench's floor fetches the same). */
export const BATCH_SIZE = 200;
/**
 * Below this many messages a run reads them on its own thread even where reader threads pay: starting
 * one (loading the parser) costs more than it saves, and push delivers mail a few messages at a time.
 */
const THREADED_FROM = 50;
/** Batches being read or stored at once: with the one being fetched, what bounds memory whatever the backlog. */
const MAX_IN_FLIGHT = 2;

async function main(execution: ConnectorExecution): Promise<void> {
  const parameters = recordParameters(execution);
  const settings = readSettings(parameters.source);
  // Reader threads, where there are any, read the same settings from the same values.
  const readers = new ReaderPool(settings, parameters.values);
  try {
    await takeFolders(execution, settings, readers);
  } finally {
    await readers.close();
  }
}

async function takeFolders(execution: ConnectorExecution, settings: EmailSettings, readers: ReaderPool): Promise<void> {
  const tokens = settings.oauth2 ? new OAuth2TokenProvider(settings.oauth2) : undefined;
  let remaining = settings.maxPerCycle > 0 ? settings.maxPerCycle : Number.POSITIVE_INFINITY;
  for (const folder of settings.folders) {
    if (remaining <= 0) {
      execution.logger.info(`Max Emails Per Cycle reached: folder ${folder} waits for the next cycle`);
      continue;
    }
    const mailbox = await openFolder(execution, settings, tokens, folder, { readOnly: execution.isTestRun });
    try {
      remaining -= await takeFolder(execution, settings, readers, mailbox, Number.isFinite(remaining) ? remaining : 0);
    } finally {
      await mailbox.close();
    }
  }
}

function openFolder(execution: ConnectorExecution, settings: EmailSettings, tokens: OAuth2TokenProvider | undefined, folder: string, extra: { readOnly: boolean; idle?: boolean }) {
  return ImapMailbox.open({
    host: settings.host, port: settings.port, username: settings.username, password: settings.password,
    ...(tokens ? { accessToken: (force: boolean) => tokens.accessToken(force) } : {}),
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
    folder, logger: execution.logger, ...extra,
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
      execution.logger.info(`ok: ${settings.username} at ${settings.host}:${settings.port}, folder ${mailbox.path} (${unread.length} unread)`);
    } finally {
      await mailbox.close();
    }
  }
}

/** Push: waits in IMAP IDLE on every folder and reports new mail at once; ends when a connection drops. */
export async function watch(execution: ConnectorExecution, onNewItems: (reason: string) => void): Promise<void> {
  const settings = readSettings(execution);
  const tokens = settings.oauth2 ? new OAuth2TokenProvider(settings.oauth2) : undefined;
  const mailboxes = await Promise.all(settings.folders.map((folder) => openFolder(execution, settings, tokens, folder, { readOnly: true, idle: true })));
  try {
    execution.logger.info(`push: waiting for new mail in ${mailboxes.map((m) => m.path).join(", ")}`);
    await Promise.race(mailboxes.map((mailbox) => mailbox.watch((count) => onNewItems(`${count} new messages in ${mailbox.path}`))));
  } finally {
    await Promise.all(mailboxes.map((mailbox) => mailbox.close()));
  }
}

/** One folder's cycle; returns how many messages it fetched. */
async function takeFolder(execution: ConnectorExecution, settings: EmailSettings, readers: ReaderPool, mailbox: ImapMailbox, limit: number): Promise<number> {
  const key = checkpointKey(mailbox.path);
  const saved = execution.getConnectorContext(key);
  let { checkpoint, reset } = parseCheckpoint(saved, mailbox.uidValidity, Date.now(), settings.offsetDays);
  if (reset) execution.logger.warn(`folder ${mailbox.path} was recreated (new UIDVALIDITY): it is read again, and alert ids keep out duplicates`);
  const save = (next: FolderCheckpoint) => {
    checkpoint = next;
    if (!execution.isTestRun) execution.setConnectorContext(key, formatCheckpoint(checkpoint));
  };
  // The first cycle's time window is kept, so that older mail stays out on every later cycle too.
  if (!saved) save(checkpoint);

  const plan = await planFolder(mailbox, settings, checkpoint, limit);
  if (plan.leftOld > 0) {
    execution.logger.warn(`${plan.leftOld} unread messages in ${mailbox.path} were received before ${new Date(checkpoint.floor!).toISOString()} (Offset Time In Days = ${settings.offsetDays}): left alone`);
  }
  if (plan.toFetch.length + plan.alreadyStored.length === 0) {
    execution.logger.info(`The inbox for user ${settings.username} has no ${settings.unreadOnly ? "unread" : "new"} emails${settings.folders.length > 1 ? ` in ${mailbox.path}` : ""}`);
    return 0;
  }
  execution.logger.info(`${plan.toFetch.length} messages to take from ${mailbox.path} for ${settings.username}` +
    `${plan.alreadyStored.length ? ` (${plan.alreadyStored.length} already stored)` : ""}${plan.deferred ? ` (${plan.deferred} left for the next cycle by Max Emails Per Cycle)` : ""}`);
  // Stored by an earlier cycle that stopped before acknowledging them: acknowledge now, fetch nothing.
  if (!execution.isTestRun) await acknowledge(mailbox, settings, plan.alreadyStored);
  if (plan.toFetch.length >= THREADED_FROM) readers.start();

  // Batches of BATCH_SIZE flow through four stages at once: fetched (one pipelined UID FETCH each),
  // read (here, or on reader threads where there are cores to spare), stored by the platform (in order,
  // one transaction each, in its own process and so on another core), acknowledged at the source
  // (marked read or moved) after their commit. A batch is handed over without waiting for the previous
  // one to be stored: the platform refuses every package after one it could not store, so no checkpoint
  // ever covers a batch that was lost. At most MAX_IN_FLIGHT batches are being read or stored; past
  // that the next fetch waits. (One FETCH per batch: imapflow keeps a whole response in memory, and
  // 2,000 messages per FETCH doubled the connector's peak memory for no speed.)
  let acknowledgements: Promise<void> = Promise.resolve();
  let acknowledgeFailure: unknown;
  const stored = (result: PackageResult, batch: ReadBatch) => {
    if (!result.committed) return;
    const refused = result.results.filter((r) => r.outcome === "failed").flatMap((r) => batch.uidsOfAlert.get(r.display_id) ?? []);
    if (refused.length) {
      // Not stored: out of the checkpoint and unacknowledged, so that a later cycle tries them again.
      // (The platform refuses only alerts that break its schema, which this connector does not build.)
      save({ ...checkpoint, taken: removeUids(checkpoint.taken, refused) });
      execution.logger.error(`${refused.length} messages were refused by the platform and stay as they are (UIDs ${refused.slice(0, 20).join(", ")})`);
    }
    const uids = [...result.stored.flatMap((id) => batch.uidsOfAlert.get(id) ?? []), ...batch.skippedUids];
    // Queued on the connection behind the fetch under way; nothing waits for it but the end of the cycle.
    acknowledgements = acknowledgements.then(() => acknowledge(mailbox, settings, uids)).catch((error: unknown) => {
      acknowledgeFailure ??= error;
    });
  };

  const inFlight: Promise<void>[] = [];
  // Packages are handed over one after the other, each with the checkpoint up to its own messages.
  let handing: Promise<unknown> = Promise.resolve();
  const handOver = (tasks: ReadTask[]) => {
    execution.recordFetched(tasks.length);
    const batch = readers.read(tasks).then((outcomes) => collectBatch(execution, outcomes));
    const handed = handing.then(async () => {
      const ready = await batch;
      if (acknowledgeFailure) throw acknowledgeFailure;
      save({ ...checkpoint, taken: addUids(checkpoint.taken, ready.uids) });
      const result = execution.returnPackage(ready.alerts);
      result.catch(() => undefined);
      return { ready, result };
    });
    // A batch that failed stops every later one: they wait on `handing` and fail with it.
    handing = handed;
    const done = handed.then(async ({ ready, result }) => stored(await result, ready));
    // Awaited in its turn; marked handled now so that a failure meanwhile does not go unheard.
    done.catch(() => undefined);
    inFlight.push(done);
  };

  try {
    for (let start = 0; start < plan.toFetch.length; start += BATCH_SIZE) {
      const tasks: ReadTask[] = [];
      for await (const message of mailbox.fetchRaw(plan.toFetch.slice(start, start + BATCH_SIZE))) {
        tasks.push({ uid: message.uid, source: message.source, folder: mailbox.path, ...(message.internalDate ? { internalDate: message.internalDate } : {}) });
      }
      if (tasks.length) handOver(tasks);
      while (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
    }
    for (const pending of inFlight.splice(0)) await pending;
  } finally {
    // What was stored is acknowledged even when a later batch failed.
    await Promise.allSettled(inFlight);
    await acknowledgements;
  }
  if (acknowledgeFailure) throw acknowledgeFailure;
  return plan.toFetch.length;
}

/** One batch's outcomes as a package: its alerts, which UIDs each came from, the skipped UIDs. */
function collectBatch(execution: ConnectorExecution, outcomes: ReadOutcome[]): ReadBatch {
  const alerts: AlertInfo[] = [];
  const uidsOfAlert = new Map<string, number[]>();
  const skippedUids: number[] = [];
  for (const outcome of outcomes) {
    if (outcome.skip) {
      execution.recordSkipped(outcome.id, `${outcome.skip} (UID ${outcome.uid}, subject ${JSON.stringify(outcome.subject.slice(0, 120))})`);
      skippedUids.push(outcome.uid);
      continue;
    }
    for (const alert of outcome.alerts) {
      alerts.push(alert);
      uidsOfAlert.set(alert.display_id, [...(uidsOfAlert.get(alert.display_id) ?? []), outcome.uid]);
      for (const note of alert.notes) execution.logger.warn(`message UID ${outcome.uid} (${alert.display_id}): ${note}`);
    }
  }
  return { uids: outcomes.map((outcome) => outcome.uid), alerts, uidsOfAlert, skippedUids };
}

interface ReadBatch {
  uids: number[];
  alerts: AlertInfo[];
  uidsOfAlert: Map<string, number[]>;
  skippedUids: number[];
}

export default outputHandler(main);
