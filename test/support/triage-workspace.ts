// The set-up the triage and playbook tests (and the benches) share, through the contract commands: the email
// connector on a mailbox, the email integration's settings, the phishing-triage playbook's settings. No test
// framework here (the benches use it too): a step that fails throws, naming the command.
import type { CliResult, Workspace } from "./cli.js";

/** `intake ARGS…`, which must succeed: its result, or an error naming the command, its exit and its stderr. */
export async function intakeOk(ws: Workspace, args: string[]): Promise<CliResult> {
  const result = await ws.intake(args);
  if (result.code !== 0)
    throw new Error(
      `intake ${args.join(" ")}: exit ${String(result.code)}: ${(result.stderr.trim() || result.stdout.trim()).slice(-2000)}`,
    );
  return result;
}

/**
 * `intake connector create NAME --integration email` reading the mailbox these parameters describe (a Dovecot's
 * params()), then `options` (e.g. `["--grouping", "off"]`).
 */
export function createEmailConnector(
  ws: Workspace,
  mailbox: Record<string, unknown>,
  options: string[] = [],
  name = "reports",
): Promise<CliResult> {
  return intakeOk(ws, ["connector", "create", name, "--integration", "email", "--params", ws.writeJson("mail.json", mailbox), ...options]);
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
