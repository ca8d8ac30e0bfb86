// `intake playbook import|configure|runs|approve` and `intake playbooks list|drain` (docs/interfaces.md).
import os from "node:os";
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { requireCase } from "../../platform/cases/index.js";
import {
  configurePlaybook,
  createExecutor,
  setPlaybookEnabled,
  decideApproval,
  importPlaybookFile,
  listCaseRuns,
  listPlaybooks,
  sweepTriggers,
} from "../../platform/playbooks/index.js";
import { configuredBackoffMs, sendDueMail } from "../../platform/outbox/index.js";
import { formatTime, table } from "../output.js";
import { readParamsFile } from "./connector.js";

/** Who decides at this terminal: the operating system's user. */
function cliActor(): string {
  return process.env.USER || os.userInfo().username;
}

export function register(program: Command, withStore: WithStore): void {
  const playbook = program.command("playbook").description("a playbook: import, configure, its runs, approvals");

  playbook
    .command("import <file>")
    .description("validate a playbook JSON file and save it (replacing the playbook of its name); refused with every problem named")
    .action(async (file: string) => {
      await withStore(async (store) => {
        const saved = await importPlaybookFile(store, file);
        console.log(`imported playbook "${saved.name}": ${saved.steps} step(s), ${saved.enabled ? "enabled" : "disabled"}`);
      });
    });

  playbook
    .command("configure <name>")
    .requiredOption("--params <file>", "JSON object of the playbook's own parameters")
    .action(async (name: string, options: { params: string }) => {
      await withStore(async (store) => {
        const saved = await configurePlaybook(store, name, readParamsFile(options.params) as Record<string, unknown>);
        console.log(`playbook "${saved.name}": ${Object.keys(saved.parameters).length} parameter(s) set`);
      });
    });

  for (const [command, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    playbook
      .command(`${command} <name>`)
      .description(`${command} a playbook for new cases (a built-in one stays ${enabled ? "on" : "off"} when its integration is renewed)`)
      .action(async (name: string) => {
        await withStore(async (store) => {
          await setPlaybookEnabled(store, name, enabled);
          console.log(`playbook "${name}" ${enabled ? "enabled" : "disabled"}`);
        });
      });
  }

  playbook
    .command("runs")
    .description("a case's playbook runs and their steps, newest first")
    .requiredOption("--case <id>", "the case", (v) => Number.parseInt(v, 10))
    .option("--json", 'as JSON: [{"id","playbook","status","steps":[{"id","action","status","resultValue","json","message","approval"}]}]')
    .action(async (options: { case: number; json?: boolean }) => {
      await withStore(async (store) => {
        await requireCase(store, options.case);
        const runs = await listCaseRuns(store, options.case);
        if (options.json) {
          return console.log(
            JSON.stringify(
              runs.map((run) => ({
                id: run.id,
                playbook: run.playbook,
                status: run.status,
                steps: run.steps.map((step) => ({
                  id: step.id,
                  action: step.action,
                  status: step.status,
                  resultValue: step.resultValue,
                  json: step.json,
                  message: step.message,
                  approval: step.approval,
                })),
              })),
            ),
          );
        }
        if (runs.length === 0) return console.log(`case ${options.case} has no playbook run`);
        for (const run of runs) {
          console.log(
            `run ${run.id} ${run.playbook}: ${run.status} (started ${formatTime(run.startedAt)})${run.error ? `: ${run.error}` : ""}`,
          );
          console.log(
            table(
              run.steps.map((step) => ({
                ...step,
                resultValue: step.resultValue ?? "",
                approved: step.approval?.by ? `${step.approval.decision} by ${step.approval.by}` : "",
              })),
              ["id", "action", "status", "attempts", "resultValue", "approved", "message"],
            ),
          );
        }
      });
    });

  playbook
    .command("approve <run> <step>")
    .description("approve (or with --reject, reject) a step waiting for approval; recorded with your user name")
    .option("--reject", "reject instead")
    .option("--comment <text>", "why")
    .action(async (run: string, step: string, options: { reject?: boolean; comment?: string }) => {
      await withStore(async (store) => {
        const view = await decideApproval(store, Number(run), step, options.reject ? "reject" : "approve", cliActor(), options.comment);
        console.log(
          `run ${view.id} step "${step}": ${options.reject ? "rejected" : "approved"}; run ` +
            `${view.status}${options.reject ? "" : " (intake playbooks drain runs it)"}`,
        );
      });
    });

  const playbooks = program.command("playbooks").description("all playbooks: list, drain the queue");

  playbooks
    .command("list")
    .option("--json", "as JSON")
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store) => {
        const rows = await listPlaybooks(store);
        if (options.json) return console.log(JSON.stringify(rows));
        console.log(
          rows.length
            ? table(
                rows.map((row) => ({
                  ...row,
                  enabled: row.enabled ? "yes" : "no",
                  trigger: JSON.stringify(row.trigger),
                  updated: formatTime(row.updatedAt),
                })),
                ["name", "enabled", "steps", "trigger", "sourceIntegration", "updated"],
              )
            : "no playbooks (intake playbook import FILE.json)",
        );
      });
    });

  playbooks
    .command("drain")
    .description("start the playbooks of new cases and run every pending step now; exits when none is left but approvals")
    .option("--json", 'last line {"runs","steps","failed"}')
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store) => {
        const executor = createExecutor(store, {
          onStep: ({ runId, stepId, status }) => process.stderr.write(`run ${runId} step ${stepId}: ${status}\n`),
        });
        await sweepTriggers(store, executor);
        await executor.sweep();
        const summary = await executor.drain();
        // The replies the steps staged go out now; what the server refuses waits for its backoff.
        const mail = await sendDueMail(store, { backoffMs: configuredBackoffMs() });
        if (mail.sent + mail.failed + mail.givenUp)
          process.stderr.write(`outbox: ${mail.sent} sent, ${mail.failed} to retry, ${mail.givenUp} given up\n`);
        console.log(
          options.json ? JSON.stringify(summary) : `drained: ${summary.runs} run(s), ${summary.steps} step(s), ${summary.failed} failed`,
        );
      });
    });
}
