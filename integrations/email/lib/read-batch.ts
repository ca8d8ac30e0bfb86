// Reads one fetched batch of raw messages into one package: its alerts, the UIDs each came from, and the
// UIDs skipped on purpose. On the connector's own thread, one message after the other.
import type { AlertInfo, ConnectorExecution } from "intake/sdk";
import { alertIdOf } from "./build-alert.js";
import { alertsOf, skipReason } from "./enrich.js";
import { readMessage } from "./read-message.js";
import type { EmailSettings } from "./settings.js";

/** The connection is let in after this many messages: the next batch arrives while this one is read. */
const YIELD_EVERY = 10;

export interface ReadTask {
  uid: number;
  source: Uint8Array;
  internalDate?: Date;
  folder: string;
}

export interface ReadBatch {
  uids: number[];
  alerts: AlertInfo[];
  uidsOfAlert: Map<string, number[]>;
  skippedUids: number[];
}

/** The batch's messages read in order (started at once, they would interleave at every await of the parser). */
export async function readBatch(execution: ConnectorExecution, settings: EmailSettings, tasks: ReadTask[]): Promise<ReadBatch> {
  const batch: ReadBatch = { uids: [], alerts: [], uidsOfAlert: new Map(), skippedUids: [] };
  for (const [index, task] of tasks.entries()) {
    if (index > 0 && index % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    batch.uids.push(task.uid);
    // One message never stops the batch: readMessage keeps what it can and notes the rest.
    const report = await readMessage(task.source, { timeZone: settings.serverTimeZone });
    const skip = skipReason(settings, report);
    if (skip) {
      execution.recordSkipped(alertIdOf(report), `${skip} (UID ${task.uid}, subject ${JSON.stringify(report.subject.slice(0, 120))})`);
      batch.skippedUids.push(task.uid);
      continue;
    }
    const origin = { uid: task.uid, folder: task.folder, ...(task.internalDate ? { internalDate: task.internalDate } : {}) };
    for (const alert of alertsOf(settings, report, origin)) {
      batch.alerts.push(alert);
      batch.uidsOfAlert.set(alert.display_id, [...(batch.uidsOfAlert.get(alert.display_id) ?? []), task.uid]);
      for (const note of alert.notes) execution.logger.warn(`message UID ${task.uid} (${alert.display_id}): ${note}`);
    }
  }
  return batch;
}
