// `intake outbox list|send`: the mail the platform sends (replies to reporters), and sending what is due now.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { CaseNotFound } from "../../platform/errors.js";
import { configuredBackoffMs, listOutbox, sendDueMail } from "../../platform/outbox/index.js";
import { formatTime, table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  const outbox = program.command("outbox").description("mail sent by actions (replies to reporters): list, send what is due");

  outbox
    .command("list")
    .option("--case <id>", "only this case's messages")
    .option("--json", "as JSON")
    .action(async (options: { case?: string; json?: boolean }) => {
      await withStore(async (store) => {
        const caseId = options.case === undefined ? undefined : Number(options.case);
        if (caseId !== undefined && !Number.isInteger(caseId)) throw new CaseNotFound(JSON.stringify(options.case));
        const entries = await listOutbox(store, caseId === undefined ? {} : { caseId });
        if (options.json) return console.log(JSON.stringify(entries));
        console.log(
          entries.length
            ? table(
                entries.map((entry) => ({
                  ...entry,
                  created: formatTime(entry.createdAt),
                  sent: entry.sentAt ? formatTime(entry.sentAt) : "",
                  error: entry.lastError ?? "",
                })),
                ["id", "caseId", "recipient", "status", "attempts", "language", "created", "sent", "error"],
              )
            : "no mail in the outbox",
        );
      });
    });

  outbox
    .command("send")
    .description("send every message that is due now (intake serve does it on its own)")
    .option("--json", 'last line {"sent","failed","givenUp"}')
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store) => {
        const summary = await sendDueMail(store, {
          backoffMs: configuredBackoffMs(),
          onMessage: ({ id, recipient, status, error }) =>
            process.stderr.write(`outbox ${id} to ${recipient}: ${status}${error ? ` (${error})` : ""}\n`),
        });
        console.log(
          options.json ? JSON.stringify(summary) : `outbox: ${summary.sent} sent, ${summary.failed} to retry, ${summary.givenUp} given up`,
        );
      });
    });
}
