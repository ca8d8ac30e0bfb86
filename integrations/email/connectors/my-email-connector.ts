// The guide's Email Connector, done right: every unread message of one IMAP folder becomes one alert;
// a message is marked read only after the platform has stored its case.
import { ConnectorExecution, outputHandler, type AlertInfo } from "intake/sdk";
import { buildAlert, alertIdOf } from "../lib/build-alert.js";
import { ImapMailbox, type RawMessage } from "../lib/imap-mailbox.js";
import { readMessage } from "../lib/read-message.js";
import { addUids, formatUidSet, hasUid, parseUidSet, removeUids, type UidRange } from "../lib/uid-set.js";

/** Messages per UID FETCH and per stored batch: bounds memory whatever the backlog. */
const BATCH_SIZE = 200;

interface Checkpoint {
  uidValidity: string;
  taken: UidRange[];
}

function checkpointKey(folder: string): string {
  return `imap:${folder}`;
}

function loadCheckpoint(execution: ConnectorExecution, folder: string, uidValidity: string): Checkpoint {
  const saved = execution.getConnectorContext(checkpointKey(folder));
  try {
    const parsed = saved ? (JSON.parse(saved) as { v?: string; taken?: string }) : {};
    // A new UIDVALIDITY means the folder was recreated: old UIDs mean nothing, alert ids still dedupe.
    if (parsed.v === uidValidity) return { uidValidity, taken: parseUidSet(parsed.taken) };
  } catch {
    execution.logger.warn(`the checkpoint of folder ${folder} is unreadable and starts afresh`);
  }
  return { uidValidity, taken: [] };
}

function saveCheckpoint(execution: ConnectorExecution, folder: string, checkpoint: Checkpoint): void {
  execution.setConnectorContext(checkpointKey(folder), JSON.stringify({ v: checkpoint.uidValidity, taken: formatUidSet(checkpoint.taken) }));
}

async function main(execution: ConnectorExecution): Promise<void> {
  const username = execution.extractConnectorParam("Username", { isMandatory: true, printValue: true });
  const password = execution.extractConnectorParam("Password", { isMandatory: true, inputType: "password" });
  const port = execution.extractConnectorParam("IMAP Port", { isMandatory: true, inputType: "int", defaultValue: 993, printValue: true });
  const host = execution.extractConnectorParam("IMAP Server Address", { isMandatory: true, printValue: true });
  const folder = execution.extractConnectorParam("Folder to check for emails", { defaultValue: "INBOX", printValue: true });

  const mailbox = await ImapMailbox.open({ host, port, username, password, folder, readOnly: execution.isTestRun, logger: execution.logger });
  try {
    const unread = await mailbox.unreadUids();
    if (unread.length === 0) {
      execution.logger.info(`The inbox for user ${username} has no unread emails`);
      return;
    }
    let checkpoint = loadCheckpoint(execution, mailbox.path, mailbox.uidValidity);
    // Stored by an earlier run that stopped before marking them read: mark them now, fetch nothing.
    const alreadyStored = unread.filter((uid) => hasUid(checkpoint.taken, uid));
    const toFetch = unread.filter((uid) => !hasUid(checkpoint.taken, uid));
    execution.logger.info(`${unread.length} unread messages in ${mailbox.path} for ${username}${alreadyStored.length ? ` (${alreadyStored.length} already stored)` : ""}`);
    if (alreadyStored.length && !execution.isTestRun) await mailbox.markSeen(alreadyStored);

    for (let start = 0; start < toFetch.length; start += BATCH_SIZE) {
      const uids = toFetch.slice(start, start + BATCH_SIZE);
      const raw: RawMessage[] = [];
      for await (const message of mailbox.fetchRaw(uids)) raw.push(message);
      execution.recordFetched(raw.length);

      const alerts: AlertInfo[] = [];
      const uidOfAlert = new Map<string, number[]>();
      for (const message of raw) {
        // One message never stops the batch: readMessage keeps what it can and notes the rest.
        const report = await readMessage(message.source);
        const alert = buildAlert(report, { uid: message.uid, folder: mailbox.path, ...(message.internalDate ? { internalDate: message.internalDate } : {}) });
        alerts.push(alert);
        const id = alertIdOf(report);
        uidOfAlert.set(id, [...(uidOfAlert.get(id) ?? []), message.uid]);
        for (const note of alert.notes) execution.logger.warn(`message UID ${message.uid} (${id}): ${note}`);
      }

      if (!execution.isTestRun) {
        // The checkpoint rides in the same transaction as the cases of this batch.
        checkpoint = { ...checkpoint, taken: addUids(checkpoint.taken, raw.map((m) => m.uid)) };
        saveCheckpoint(execution, mailbox.path, checkpoint);
      }
      const result = await execution.returnPackage(alerts);
      if (!result.committed) continue;

      const storedUids = result.stored.flatMap((id) => uidOfAlert.get(id) ?? []);
      const refused = result.results.filter((r) => r.outcome === "failed").flatMap((r) => uidOfAlert.get(r.display_id) ?? []);
      if (refused.length) {
        // Not stored: keep these unread and out of the checkpoint, so a later run tries them again.
        checkpoint = { ...checkpoint, taken: removeUids(checkpoint.taken, refused) };
        saveCheckpoint(execution, mailbox.path, checkpoint);
        execution.logger.error(`${refused.length} messages were refused by the platform and stay unread (UIDs ${refused.slice(0, 20).join(", ")})`);
      }
      await mailbox.markSeen(storedUids);
    }
  } finally {
    await mailbox.close();
  }
}

export default outputHandler(main);
