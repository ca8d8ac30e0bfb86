// The `intake` command line: the commands docs/interfaces.md lists and the rest of the operator's tools.
// Each command group lives in commands/ and registers itself here.
import { Command, CommanderError } from "commander";
import { openStore, resolveDatabaseUrl, type Store } from "../platform/store/index.js";
import { installBuiltinPlaybooks } from "../platform/playbooks/index.js";
import * as action from "./commands/action.js";
import * as cases from "./commands/cases.js";
import * as connector from "./commands/connector.js";
import * as integrations from "./commands/integrations.js";
import * as feeds from "./commands/feeds.js";
import * as integration from "./commands/integration.js";
import * as job from "./commands/job.js";
import * as lists from "./commands/lists.js";
import * as outbox from "./commands/outbox.js";
import * as playbooks from "./commands/playbooks.js";
import * as runs from "./commands/runs.js";
import * as serve from "./commands/serve.js";
import * as users from "./commands/users.js";
import * as worker from "./commands/worker.js";
import * as workers from "./commands/workers.js";
import type { WithStore } from "./context.js";
import { errorLine } from "./output.js";

const COMMANDS = [
  connector,
  integrations,
  runs,
  cases,
  users,
  serve,
  integration,
  action,
  job,
  playbooks,
  feeds,
  lists,
  outbox,
  worker,
  workers,
]; // integration after connector: it adds `connector allow-list`

export function buildProgram(withStore: WithStore): Command {
  const program = new Command("intake")
    .description("Intake: reported phishing mail in, cases out. A SOAR connector platform.")
    .option("--db <url>", "database: a SQLite file or a postgres:// URL (default: $INTAKE_DB or ./intake.db)")
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) command.register(program, withStore);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let store: Store | undefined;
  let program: Command | undefined;
  const withStore: WithStore = async (work) => {
    if (!store) {
      store = await openStore(resolveDatabaseUrl(program?.opts<{ db?: string }>().db));
      // The playbooks built-in integrations ship are on in every database the platform runs on.
      await installBuiltinPlaybooks(store);
    }
    return work(store);
  };
  program = buildProgram(withStore);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${errorLine(error)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}
