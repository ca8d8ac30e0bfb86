// The outbox sender keeps its SMTP connection open between replies (no new connection, TLS and sign-in per
// reply), replaces it when the server has dropped it, and one-shot sends still open their own.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendDueMail, stageOutbox } from "../src/platform/outbox/index.js";
import { SmtpConnectionCache } from "../src/platform/outbox/smtp.js";
import { openStore, type Store } from "../src/platform/store/index.js";
import { makeWorkspace } from "./support/cli.js";
import { startDovecot, type Dovecot } from "./support/dovecot.js";
import { readInbox, startPostfix, type Postfix } from "./support/postfix.js";

let dovecot: Dovecot;
let postfix: Postfix;
beforeAll(async () => {
  dovecot = await startDovecot({ lmtp: true, users: ["alice", "bob"] });
  postfix = await startPostfix(dovecot);
});
afterAll(async () => {
  await postfix?.stop();
  await dovecot?.stop();
  if (dovecot) fs.rmSync(dovecot.dir, { recursive: true, force: true });
});

/** Connections Postfix has taken so far (smtpd logs "connect from" for each), less its start-up's readiness probes. */
function connections(): number {
  const lines = postfix.log().split("\n");
  return (
    lines.filter((line) => / connect from /.test(line)).length - lines.filter((line) => /lost connection after CONNECT/.test(line)).length
  );
}

let staged = 0;
async function stage(store: Store, recipients: string[]): Promise<void> {
  staged++;
  const origin = { caseId: staged, actionRunId: staged, idempotencyKey: `run:${staged}`, integration: "email" };
  const emails = recipients.map((to) => ({ to, subject: `Re: report ${staged}`, text: `thanks (${staged})` }));
  await store.db.transaction().execute((trx) => stageOutbox(trx, origin, emails));
}

describe("the outbox sender's SMTP connection", () => {
  it("carries successive replies, is replaced once the server dropped it, and is not kept by one-shot sends", async () => {
    const ws = makeWorkspace();
    // Without TLS (a relay on loopback): this process cannot take the test CA (NODE_EXTRA_CA_CERTS is read at
    // start), and the connection is kept the same way with or without it.
    const params = postfix.params({ "SMTP Security": "none" });
    const configured = await ws.intake(["integration", "configure", "email", "--params", ws.writeJson("smtp.json", params)]);
    expect(configured.code, configured.stderr).toBe(0);
    const store = await openStore(ws.db);
    const cache = new SmtpConnectionCache();
    try {
      const before = connections();
      await stage(store, ["alice@example.test", "bob@example.test"]);
      expect(await sendDueMail(store, { connections: cache })).toEqual({ sent: 2, failed: 0, givenUp: 0 });
      await stage(store, ["alice@example.test"]);
      expect(await sendDueMail(store, { connections: cache })).toEqual({ sent: 1, failed: 0, givenUp: 0 });
      // Three replies, one connection.
      expect(connections() - before).toBe(1);

      // The server restarts: the kept connection is dead; the next reply goes out at once on a new one.
      await postfix.delivered();
      await postfix.stop();
      await postfix.start();
      await stage(store, ["bob@example.test"]);
      expect(await sendDueMail(store, { connections: cache })).toEqual({ sent: 1, failed: 0, givenUp: 0 });
      expect(connections() - before).toBe(2);

      // Without a cache (intake outbox drain, playbook run): a connection per reply, none left open.
      await stage(store, ["alice@example.test", "bob@example.test"]);
      expect(await sendDueMail(store)).toEqual({ sent: 2, failed: 0, givenUp: 0 });
      expect(connections() - before).toBe(4);

      await postfix.delivered();
      const alice = await readInbox(dovecot, "alice");
      expect(alice.map((mail) => mail.text.trim()).sort()).toEqual(["thanks (1)", "thanks (2)", "thanks (4)"]);
      expect((await readInbox(dovecot, "bob")).map((mail) => mail.text.trim()).sort()).toEqual(["thanks (1)", "thanks (3)", "thanks (4)"]);
    } finally {
      cache.close();
      await store.close();
    }
  });
});
