// "Purge Email": every copy of the case's reported mail into each mailbox's quarantine folder, each move
// recorded by the platform (before and after the IMAP MOVE) so that Restore Email can put it back.
import { ConnectorError, ExecutionState, type ActionExecution } from "intake/sdk";
import { cleanParams } from "../lib/clean-params.js";
import {
  cleanSettings,
  closeMailbox,
  Confirmations,
  criteriaOf,
  failureOf,
  inParallel,
  openMailbox,
  purgeMailbox,
  type MailboxFailure,
} from "../lib/mailbox-clean.js";

const MAX_LISTED = 2000;

export default async function main(execution: ActionExecution) {
  const params = cleanParams(execution, true);
  const { settings, missing } = cleanSettings(execution, params.timeoutSeconds);
  if (!settings)
    throw new ConnectorError(
      "MAILBOX_NOT_CONFIGURED",
      `mailbox cleaning is not configured: set ${missing.join(", ")} (intake integration configure email)`,
    );
  const criteria = criteriaOf(execution.currentCase, params);
  if (criteria.messageIds.length === 0 && criteria.senders.length === 0)
    throw new ConnectorError("PURGE_NOTHING_TO_MATCH", "the case names no Message-ID, sender and subject to search for");
  if (execution.isTestRun) {
    execution.end("a test run (Play) moves nothing: run Search Mailboxes to see the copies", 0);
    return;
  }
  const confirmations = new Confirmations(execution);
  const outcomes = await inParallel(settings.mailboxes, params.parallel, async (mailbox) => {
    const client = await openMailbox(settings, mailbox);
    try {
      return await purgeMailbox(execution, client, mailbox, settings, criteria, confirmations);
    } finally {
      await closeMailbox(client);
    }
  });
  await confirmations.flush();
  const messages: Record<string, unknown>[] = [];
  const failures: MailboxFailure[] = [];
  let reconciled = 0;
  outcomes.forEach((outcome, index) => {
    const mailbox = settings.mailboxes[index]!;
    if (outcome.status === "rejected") {
      const failure = failureOf(mailbox, outcome.reason, settings);
      failures.push(failure);
      execution.logger.warn(`${mailbox}: ${failure.code}: ${failure.message}`);
      return;
    }
    reconciled += outcome.value.reconciled;
    for (const copy of outcome.value.moved) {
      messages.push({
        mailbox,
        folder: copy.folder,
        messageId: copy.messageId,
        uid: copy.uid,
        seen: copy.seen,
        quarantineUid: outcome.value.quarantineUids.get(`${copy.folder}\u0000${copy.uid}`) ?? null,
      });
    }
  });
  const quarantined = (await execution.listMailboxMoves({ statuses: ["quarantined"] })).length;
  execution.result.addResultJson({
    moved: messages.length,
    messages: messages.slice(0, MAX_LISTED),
    reconciled,
    quarantined,
    quarantineFolder: settings.quarantine,
    mailboxes: settings.mailboxes.length,
    failures,
  });
  // Every mailbox refused: the purge did nothing, and says so as a failure.
  const notCleaned = failures
    .slice(0, 3)
    .map((f) => `${f.mailbox} (${f.code})`)
    .join(", ");
  execution.end(
    `${messages.length} copies moved to ${settings.quarantine} (${quarantined} quarantined for this case)` +
      `${reconciled ? `, ${reconciled} interrupted move(s) settled` : ""}` +
      `${failures.length ? `; ${failures.length} mailbox(es) not cleaned: ${notCleaned}` : ""}`,
    messages.length,
    failures.length > 0 && failures.length === settings.mailboxes.length ? ExecutionState.FAILED : ExecutionState.COMPLETED,
  );
}
