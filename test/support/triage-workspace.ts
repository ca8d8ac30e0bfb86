// The set-up the triage and playbook tests (and the benches) share, through the contract commands: the email
// connector on a mailbox, the email integration's settings, the phishing-triage playbook's settings. No test
// framework here (the benches use it too): a step that fails throws, naming the command.
import { intakeOk, type CliResult, type Workspace } from "./cli.js";
import { createConnector } from "./email-workspace.js";

/** The triage tests' "reports" connector: the email connector on the mailbox these parameters describe (a Dovecot's params()). */
export function createReportsConnector(
  ws: Workspace,
  mailbox: Record<string, unknown>,
  extra: string[] = [],
  name = "reports",
): Promise<CliResult> {
  return createConnector(ws, name, "email", mailbox, { extra });
}

/** `intake integration configure email` with these parameters (a Postfix's params(), or the mailbox admin's settings). */
export function configureEmail(ws: Workspace, params: Record<string, unknown>): Promise<CliResult> {
  return intakeOk(ws, ["integration", "configure", "email", "--params", ws.writeJson("email.json", params)]);
}

/** `intake playbook configure phishing-triage` with these settings. */
export function configureTriage(ws: Workspace, settings: Record<string, unknown>): Promise<CliResult> {
  return intakeOk(ws, ["playbook", "configure", "phishing-triage", "--params", ws.writeJson("triage.json", settings)]);
}

/** The cases as `intake cases export --jsonl` writes them: one object a line. */
export async function exportCases<T>(ws: Workspace): Promise<T[]> {
  const result = await intakeOk(ws, ["cases", "export", "--jsonl"]);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}
