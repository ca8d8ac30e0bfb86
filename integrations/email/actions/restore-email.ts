// "Restore Email": every copy Purge Email quarantined for this case, back into the folder it came from.
import { ConnectorError, ExecutionState, type ActionExecution } from "intake/sdk";
import { cleanParams } from "../lib/clean-params.js";
import {
  cleanSettings,
  closeMailbox,
  failureOf,
  inParallel,
  openMailbox,
  restoreMailbox,
  type MailboxFailure,
} from "../lib/mailbox-clean.js";

const MAX_LISTED = 2000;

export default async function main(execution: ActionExecution) {
  const params = cleanParams(execution, false);
  const { settings, missing } = cleanSettings(execution, params.timeoutSeconds);
  if (!settings)
    throw new ConnectorError(
      "MAILBOX_NOT_CONFIGURED",
      `mailbox cleaning is not configured: set ${missing.join(", ")} (intake integration configure email)`,
    );
  if (execution.isTestRun) {
    execution.end("a test run (Play) moves nothing", 0);
    return;
  }
  // The mailboxes the moves were made in, whatever "Mailboxes" says now.
  const waiting = await execution.listMailboxMoves({ statuses: ["quarantined", "restoring"] });
  const mailboxes = [...new Set(waiting.map((move) => move.mailbox))];
  const outcomes = await inParallel(mailboxes, params.parallel, async (mailbox) => {
    const client = await openMailbox(settings, mailbox);
    try {
      return await restoreMailbox(execution, client, mailbox);
    } finally {
      await closeMailbox(client);
    }
  });
  const messages: Record<string, unknown>[] = [];
  const missingCopies: Record<string, unknown>[] = [];
  const failures: MailboxFailure[] = [];
  outcomes.forEach((outcome, index) => {
    const mailbox = mailboxes[index]!;
    if (outcome.status === "rejected") {
      const failure = failureOf(mailbox, outcome.reason, settings);
      failures.push(failure);
      execution.logger.warn(`${mailbox}: ${failure.code}: ${failure.message}`);
      return;
    }
    for (const move of outcome.value.restored) messages.push({ mailbox, folder: move.folder, messageId: move.messageId, uid: move.uid });
    for (const move of outcome.value.missing) missingCopies.push({ mailbox, folder: move.folder, messageId: move.messageId });
  });
  execution.result.addResultJson({
    restored: messages.length,
    messages: messages.slice(0, MAX_LISTED),
    missing: missingCopies.slice(0, MAX_LISTED),
    mailboxes: mailboxes.length,
    failures,
  });
  // Every mailbox refused: the purge did nothing, and says so as a failure.
  const notReached = failures
    .slice(0, 3)
    .map((f) => `${f.mailbox} (${f.code})`)
    .join(", ");
  execution.end(
    `${messages.length} copies restored to their folders` +
      `${missingCopies.length ? `; ${missingCopies.length} no longer in the quarantine` : ""}` +
      `${failures.length ? `; ${failures.length} mailbox(es) not reached: ${notReached}` : ""}`,
    messages.length,
    failures.length > 0 && failures.length === mailboxes.length ? ExecutionState.FAILED : ExecutionState.COMPLETED,
  );
}
