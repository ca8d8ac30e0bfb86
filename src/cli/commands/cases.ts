// `intake cases export|list|show|eml`: the case queue.
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { cliActor } from "./action.js";
import { CaseNotFound, CaseStatusInvalid } from "../../platform/errors.js";
import { priorityName } from "../../sdk/vocabulary.js";
import {
  CASE_STATUSES,
  caseHistory,
  caseVerdict,
  exportCases,
  isCaseStatus,
  loadCases,
  mergeCases,
  moveAlertOut,
  newestCases,
  originalMessage,
  overrideVerdict,
  setCaseStatus,
  VERDICTS,
  verdictHistory,
} from "../../platform/cases/index.js";
import { formatTime, table } from "../output.js";

export function register(program: Command, withStore: WithStore): void {
  const cases = program.command("cases").description("the case queue");
  cases
    .command("export")
    .description("every case with its alerts and events, as JSON (--jsonl: one case per line)")
    .option("--jsonl", "one JSON object per line")
    .action(async (options: { jsonl?: boolean }) => {
      await withStore(async (store) => {
        let first = true;
        if (!options.jsonl) process.stdout.write("[");
        for await (const item of exportCases(store)) {
          const text = JSON.stringify(item);
          const ok = process.stdout.write(options.jsonl ? `${text}\n` : `${first ? "" : ","}\n${text}`);
          first = false;
          if (!ok) await new Promise((resolve) => process.stdout.once("drain", resolve));
        }
        if (!options.jsonl) process.stdout.write("\n]\n");
      });
    });
  cases
    .command("list")
    .description("the newest cases")
    .option("--limit <n>", "how many", (v) => Number.parseInt(v, 10), 20)
    .option("--status <status>", CASE_STATUSES.join(", "))
    .action(async (options: { limit: number; status?: string }) => {
      await withStore(async (store) => {
        const { status } = options;
        if (status && !isCaseStatus(status)) {
          throw new CaseStatusInvalid(`--status ${JSON.stringify(status)}: use one of ${CASE_STATUSES.join(", ")}`);
        }
        const rows = await newestCases(store, { limit: options.limit, ...(status && isCaseStatus(status) ? { status } : {}) });
        console.log(
          table(
            rows.map((r) => ({
              ...r,
              priority: priorityName(r.priority),
              created: formatTime(r.created_at),
              title: JSON.stringify(r.title).slice(1, -1).slice(0, 80),
            })),
            ["id", "priority", "status", "verdict", "created", "title"],
          ),
        );
      });
    });
  cases
    .command("show <id>")
    .description("one case with its alerts and events, as JSON")
    .action(async (id: string) => {
      await withStore(async (store) => {
        const [found] = await loadCases(store, [Number(id)]);
        if (!found) throw new CaseNotFound(id);
        console.log(JSON.stringify(found, null, 2));
      });
    });

  const actor = cliActor;
  cases
    .command("merge <target> <sources...>")
    .description("merge cases: every alert of the source cases moves into the target; the sources are closed as merged")
    .action(async (target: string, sources: string[]) => {
      await withStore(async (store) => {
        await mergeCases(store, caseNumber(target), sources.map(caseNumber), actor());
        console.log(`merged case${sources.length > 1 ? "s" : ""} ${sources.join(", ")} into ${target}`);
      });
    });
  cases
    .command("move-out <case> <alertId>")
    .description("move one alert out of a case into a new case of its own")
    .action(async (caseId: string, alertId: string) => {
      await withStore(async (store) => {
        const created = await moveAlertOut(store, caseNumber(caseId), alertId, actor());
        console.log(`moved alert ${alertId} out of case ${caseId} into new case ${created}`);
      });
    });
  cases
    .command("close <case>")
    .description("close a case, with a reason")
    .requiredOption("--reason <text>", "why (false positive, contained, duplicate…)")
    .action(async (caseId: string, options: { reason: string }) => {
      await withStore(async (store) => {
        await setCaseStatus(store, caseNumber(caseId), "closed", actor(), options.reason);
        console.log(`closed case ${caseId}`);
      });
    });
  cases
    .command("status <case> <status>")
    .description(`set a case's status: ${CASE_STATUSES.join(", ")} (closed needs --reason)`)
    .option("--reason <text>", "why")
    .action(async (caseId: string, status: string, options: { reason?: string }) => {
      await withStore(async (store) => {
        await setCaseStatus(store, caseNumber(caseId), status, actor(), options.reason);
        console.log(`case ${caseId} is ${status}`);
      });
    });
  cases
    .command("verdict <case> [value]")
    .description(`override a case's verdict (${VERDICTS.join(", ")}) with --reason; without a value, its verdict and their history as JSON`)
    .option("--reason <text>", "why (recorded with your name; triage does not replace an override)")
    .action(async (caseId: string, value: string | undefined, options: { reason?: string }) => {
      await withStore(async (store) => {
        const id = caseNumber(caseId);
        if (value === undefined) {
          console.log(JSON.stringify({ verdict: await caseVerdict(store, id), history: await verdictHistory(store, id) }, null, 2));
          return;
        }
        const verdict = await overrideVerdict(store, id, value, options.reason ?? "", actor());
        console.log(`case ${caseId} verdict: ${verdict.value} (set by ${verdict.setBy})`);
      });
    });
  cases
    .command("history <case>")
    .description("who did what to a case, and when")
    .action(async (caseId: string) => {
      await withStore(async (store) => {
        for (const entry of await caseHistory(store, caseNumber(caseId))) {
          console.log(`${formatTime(entry.createdAt)}  ${entry.actor}  ${entry.action}  ${JSON.stringify(entry.detail)}`);
        }
      });
    });
  cases
    .command("eml <id>")
    .description("the reported message of a case, byte for byte, as the console downloads it (redirect it to a file: > message.eml)")
    .option("--alert <alertId>", "which alert's message, in a case that groups several reports (default: the first)")
    .action(async (id: string, options: { alert?: string }) => {
      await withStore(async (store) => {
        const caseId = Number(id);
        if (!Number.isInteger(caseId) || caseId <= 0) throw new CaseNotFound(JSON.stringify(id));
        const bytes = await originalMessage(store, caseId, options.alert);
        await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
      });
    });
}

function caseNumber(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new CaseNotFound(JSON.stringify(text));
  return id;
}
