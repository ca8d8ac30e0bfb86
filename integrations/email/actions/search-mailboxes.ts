// "Search Mailboxes": every copy of the case's reported mail in the staff mailboxes, moving nothing.
import type { ActionExecution } from "intake/sdk";
import { cleanParams } from "../lib/clean-params.js";
import {
  cleanSettings,
  closeMailbox,
  criteriaOf,
  failureOf,
  inParallel,
  openMailbox,
  searchMailbox,
  type FoundCopy,
  type MailboxFailure,
} from "../lib/mailbox-clean.js";

/** Copies listed in the JSON result (the count is exact beyond it). */
const MAX_LISTED = 2000;

export default async function main(execution: ActionExecution) {
  const params = cleanParams(execution, true);
  const proposal = execution.extractActionParam("Propose Purge", { defaultValue: "" }).trim().toLowerCase();
  const { settings, missing } = cleanSettings(execution, params.timeoutSeconds);
  if (!settings) {
    // Not configured is an answer, not a failure: the triage playbook's purge steps are then skipped.
    const reason = `mailbox cleaning is not configured: set ${missing.join(", ")} (intake integration configure email)`;
    execution.result.addResultJson({
      found: 0,
      messages: [],
      mailboxes: 0,
      failures: [],
      configured: false,
      proposal: "not configured",
      reason,
    });
    execution.end(reason, 0);
    return;
  }
  const criteria = criteriaOf(execution.currentCase, params);
  if (criteria.messageIds.length === 0 && criteria.senders.length === 0) {
    const reason = "the case names no Message-ID, sender and subject to search for";
    execution.result.addResultJson({
      found: 0,
      messages: [],
      mailboxes: 0,
      failures: [],
      configured: true,
      proposal: "nothing found",
      reason,
    });
    execution.end(reason, 0);
    return;
  }
  execution.logger.info(
    `searching ${settings.mailboxes.length} mailboxes for ${criteria.messageIds.length} Message-ID(s) ` +
      `and ${criteria.senders.length} sender/subject pair(s)`,
  );
  const found: FoundCopy[] = [];
  const failures: MailboxFailure[] = [];
  const outcomes = await inParallel(settings.mailboxes, params.parallel, async (mailbox) => {
    const client = await openMailbox(settings, mailbox);
    try {
      return await searchMailbox(client, mailbox, settings.quarantine, criteria);
    } finally {
      await closeMailbox(client);
    }
  });
  outcomes.forEach((outcome, index) => {
    const mailbox = settings.mailboxes[index]!;
    if (outcome.status === "fulfilled") found.push(...outcome.value);
    else {
      const failure = failureOf(mailbox, outcome.reason, settings);
      failures.push(failure);
      execution.logger.warn(`${mailbox}: ${failure.code}: ${failure.message}`);
    }
  });
  execution.result.addResultJson({
    found: found.length,
    messages: found.slice(0, MAX_LISTED).map(({ uidValidity: _validity, ...copy }) => copy),
    mailboxes: settings.mailboxes.length,
    failures,
    configured: true,
    proposal: found.length === 0 ? "nothing found" : proposal || "none",
  });
  const inMailboxes = new Set(found.map((copy) => copy.mailbox)).size;
  execution.end(
    `${found.length} copies in ${inMailboxes} of ${settings.mailboxes.length} mailboxes${
      failures.length
        ? `; ${failures.length} mailbox(es) not searched: ${failures
            .slice(0, 3)
            .map((f) => `${f.mailbox} (${f.code})`)
            .join(", ")}`
        : ""
    }`,
    found.length,
  );
}
