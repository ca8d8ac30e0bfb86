// `intake action run|runs`: run an integration's action on a case by hand, and the case's action runs.
import os from "node:os";
import type { Command } from "commander";
import type { WithStore } from "../context.js";
import { IntakeError, ParameterError } from "../../platform/errors.js";
import { listActionRuns, runAction } from "../../platform/actions/index.js";
import { formatTime, printLog, table } from "../output.js";
import { readParamsFile } from "./connector.js";

/** Who the CLI acts as: $INTAKE_ACTOR, or the machine's user. */
export const cliActor = () => process.env.INTAKE_ACTOR || `cli:${os.userInfo().username}`;

function caseNumber(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new ParameterError(`--case must be a case number, got ${JSON.stringify(value)}`);
  return id;
}

export function register(program: Command, withStore: WithStore): void {
  const action = program.command("action").description("actions of integrations: run one on a case, list a case's runs");

  action
    .command("run <integration> <action>")
    .description("run an action on a case's entities; recorded on the case (its entity updates stored)")
    .requiredOption("--case <id>", "the case", caseNumber)
    .option("--params <file>", "JSON object: the action's parameter name → value")
    .option("--json", "print {status, resultValue, message, json} as one JSON object on the last line of stdout")
    .option("-v, --verbose", "print the action's log (on stderr)")
    .action(
      async (integration: string, actionName: string, options: { case: number; params?: string; json?: boolean; verbose?: boolean }) => {
        const params = options.params === undefined ? {} : readParamsFile(options.params);
        if (typeof params !== "object" || params === null || Array.isArray(params))
          throw new ParameterError("the parameters must be a JSON object mapping parameter names to values");
        const outcome = await withStore((store) =>
          runAction(store, {
            integration,
            action: actionName,
            caseId: options.case,
            params: params as Record<string, unknown>,
            actor: cliActor(),
          }),
        );
        // Its log on request: a failure is the one line below, on stderr.
        if (options.verbose) for (const entry of outcome.logs) printLog(entry);
        if (options.json) {
          const answer = JSON.stringify({
            status: outcome.status,
            resultValue: outcome.resultValue,
            message: outcome.message,
            json: outcome.json,
            actionRun: outcome.actionRunId,
            ...(outcome.error ? { error: outcome.error } : {}),
          });
          process.stdout.write(`${answer}\n`);
        } else {
          console.log(
            `action run ${outcome.actionRunId} ${outcome.status}: ${JSON.stringify(outcome.resultValue)}` +
              `${outcome.message ? ` (${outcome.message})` : ""}; ${outcome.entityUpdates.length} entities updated, ` +
              `${outcome.insights.length} insights, ${outcome.finishedAt - outcome.startedAt} ms`,
          );
        }
        if (outcome.error) throw new IntakeError(outcome.error.code, outcome.error.message);
      },
    );

  action
    .command("runs")
    .description("the action runs of a case, newest first")
    .requiredOption("--case <id>", "the case", caseNumber)
    .option("--json", "as JSON")
    .action(async (options: { case: number; json?: boolean }) => {
      const runs = await withStore((store) => listActionRuns(store, options.case));
      if (options.json) return console.log(JSON.stringify(runs));
      console.log(
        runs.length
          ? table(
              runs.map((r) => ({
                id: r.actionRunId,
                action: `${r.integration}/${r.action}`,
                actor: r.actor,
                status: r.status,
                result: JSON.stringify(r.resultValue),
                message: r.message.slice(0, 60),
                started: formatTime(r.startedAt),
              })),
              ["id", "action", "actor", "status", "result", "message", "started"],
            )
          : `case ${options.case} has no action runs`,
      );
    });
}
