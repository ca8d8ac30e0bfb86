// The mail servers of a triage test file: a Dovecot with a mailbox for each person (LMTP on) and Debian's Postfix
// on loopback delivering into it, started before the file's tests and stopped after them.
import { afterAll, beforeAll } from "vitest";
import { startDovecot, type Dovecot } from "./dovecot.js";
import { startPostfix, type Postfix } from "./postfix.js";

export interface MailServers {
  dovecot: Dovecot;
  postfix: Postfix;
}

/**
 * Registers the file's beforeAll that starts the servers and its afterAll that stops them (Postfix first: it delivers
 * into the Dovecot); the object returned holds them once started. Call it before the file's other hooks, so that its
 * servers stop after what the others start.
 */
export function mailServers(users: string[]): MailServers {
  const servers: Partial<MailServers> = {};
  beforeAll(async () => {
    servers.dovecot = await startDovecot({ users, lmtp: true });
    servers.postfix = await startPostfix(servers.dovecot);
  });
  afterAll(async () => {
    await servers.postfix?.stop();
    await servers.dovecot?.stop();
  });
  return servers as MailServers;
}
