// A workspace's connectors made through the built CLI, as an operator makes them: any integration's, and the
// built-in email connector against a test's Dovecot (whose private CA the workspace's `intake` trusts).
import { intakeOk, makeWorkspace, type CliResult, type Workspace } from "./cli.js";
import type { Dovecot } from "./dovecot.js";

export interface ConnectorOptions {
  /** The integration's connector (`--connector`), where its package has several. */
  connector?: string;
  /** `--grouping` (e.g. "off": one case per report). */
  grouping?: string;
  /** Options before the command, e.g. `--db URL`. */
  global?: string[];
  /** More options after it, e.g. `["--interval", "3600"]`. */
  extra?: string[];
}

/** `intake connector create NAME --integration INTEGRATION --params NAME.json`, which must succeed (else it throws, naming stderr). */
export async function createConnector(
  ws: Workspace,
  name: string,
  integration: string,
  params: Record<string, unknown>,
  options: ConnectorOptions = {},
): Promise<CliResult> {
  return intakeOk(ws, [
    ...(options.global ?? []),
    "connector",
    "create",
    name,
    "--integration",
    integration,
    ...(options.connector ? ["--connector", options.connector] : []),
    "--params",
    ws.writeJson(`${name}.json`, params),
    ...(options.grouping ? ["--grouping", options.grouping] : []),
    ...(options.extra ?? []),
  ]);
}

/** A fresh workspace whose `intake` trusts the Dovecot's certificate. */
export function emailWorkspace(server: Dovecot, extraEnv: Record<string, string> = {}): Workspace {
  return makeWorkspace({ NODE_EXTRA_CA_CERTS: server.caFile, ...extraEnv });
}

/** The email connector NAME on the Dovecot's mailbox, `params` over the parameters that reach it. */
export async function createEmailConnector(
  ws: Workspace,
  server: Dovecot,
  name = "mail",
  params: Record<string, unknown> = {},
  options: ConnectorOptions = {},
): Promise<CliResult> {
  return createConnector(ws, name, "email", server.params(params), options);
}
